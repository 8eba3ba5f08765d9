import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microProduct, registerSqliteFunctions, SQLITE_DIALECT, sqliteDateAdd, sqliteDateDiff } from '../../src/extract/dialect.js';
import { addMonths, civilFromDays, dayOf, daysFromCivil, formatDay, parseWallClock } from '../../src/extract/sage/calendar.js';
import { decimalFromMicro, decimalToMicro, microFromNumber, toDecimalText } from '../../src/extract/sage/decimal.js';

const d = SQLITE_DIALECT;
let db: Database.Database;

beforeAll(() => {
  db = new Database(':memory:');
  registerSqliteFunctions(db);
  db.exec(`CREATE TABLE amounts (id INTEGER PRIMARY KEY, x numeric(24,6), grp INTEGER)`);
  db.exec(`CREATE TABLE dates (id INTEGER PRIMARY KEY, d datetime, jm datetime, jour smallint)`);
});
afterAll(() => db.close());

function value(expression: string, params: Record<string, unknown> = {}): unknown {
  return db.prepare(`SELECT ${expression} AS v`).pluck().get(params);
}

describe('decimal text (BigInt, never Number)', () => {
  it('formats micro-units with exactly six decimals and a sign', () => {
    expect(decimalFromMicro(0n)).toBe('0.000000');
    expect(decimalFromMicro(-500000n)).toBe('-0.500000');
    expect(decimalFromMicro(123456789012345678901234n)).toBe('123456789012345678.901234');
  });

  it('parses decimal text, rounding half away from zero at six decimals', () => {
    expect(decimalToMicro('12')).toBe(12000000n);
    expect(decimalToMicro('-0.0000005')).toBe(-1n);
    expect(decimalToMicro('0.0000004')).toBe(0n);
    expect(decimalToMicro('1e-6')).toBe(1n);
    expect(decimalToMicro('1.5E3')).toBe(1500000000n);
    expect(decimalToMicro('.25')).toBe(250000n);
    expect(decimalToMicro('abc')).toBeUndefined();
    expect(decimalToMicro('')).toBeUndefined();
  });

  it('recovers amounts stored as doubles exactly', () => {
    expect(microFromNumber(0.1 + 0.2)).toBe(300000n);
    expect(microFromNumber(1.005)).toBe(1005000n);
    expect(microFromNumber(999999999.999999)).toBe(999999999999999n);
    expect(microFromNumber(-1234567.891234)).toBe(-1234567891234n);
    expect(toDecimalText(-0.0000001)).toBe('0.000000');
    expect(toDecimalText(12n)).toBe('12.000000');
    expect(toDecimalText('3.14')).toBe('3.140000');
    expect(toDecimalText(null)).toBeNull();
    expect(() => toDecimalText('n/a')).toThrow(/Not a decimal/);
  });
});

describe('calendar', () => {
  it('round-trips civil dates', () => {
    for (const day of [-1, 0, 59, 11016, 19782, 20000, 50000]) {
      const c = civilFromDays(day);
      expect(daysFromCivil(c.year, c.month, c.day)).toBe(day);
    }
    expect(formatDay(dayOf('2024-02-29'))).toBe('2024-02-29');
    expect(parseWallClock('2024-02-30')).toBeUndefined();
    expect(parseWallClock('2024-02-28T23:59:59.123')).toEqual({ days: dayOf('2024-02-28'), seconds: 86399, fraction: '.123' });
  });

  it('clamps month arithmetic like T-SQL', () => {
    expect(formatDay(addMonths(dayOf('2024-01-31'), 1))).toBe('2024-02-29');
    expect(formatDay(addMonths(dayOf('2024-03-31'), -1))).toBe('2024-02-29');
    expect(formatDay(addMonths(dayOf('2024-02-29'), 12))).toBe('2025-02-28');
  });
});

describe('SQLite dialect expressions', () => {
  it('returns exact six-decimal text of micro-units for money()', () => {
    db.prepare('INSERT INTO amounts (x, grp) VALUES (?, 1), (?, 1), (?, 2), (?, 2)').run(100000, 200000, -1234567891234n, 12000000);
    const rows = db.prepare(`SELECT ${d.money('x')} AS m, typeof(${d.money('x')}) AS t FROM amounts ORDER BY id`).all();
    expect(rows).toEqual([
      { m: '0.100000', t: 'text' },
      { m: '0.200000', t: 'text' },
      { m: '-1234567.891234', t: 'text' },
      { m: '12.000000', t: 'text' },
    ]);
    expect(value(d.money('NULL'))).toBeNull();
    expect(value(d.money('-50000'))).toBe('-0.050000');
    // Anything but integer micro-units is a mistake (a bare product that overflowed into a REAL): refused.
    expect(() => value(d.money('1.5'))).toThrow(/expected integer micro-units/);
    expect(() => value(d.money("'7.5'"))).toThrow(/expected integer micro-units/);
  });

  it('sums micro-units exactly, as integers', () => {
    db.exec('DELETE FROM amounts');
    const insert = db.prepare('INSERT INTO amounts (x, grp) VALUES (?, 3)');
    for (let i = 0; i < 1000; i++) insert.run(100000);
    insert.run(-10000);
    expect(db.prepare(`SELECT ${d.moneySum('x')} FROM amounts`).pluck().get()).toBe('99.990000');
    expect(db.prepare(`SELECT ${d.moneySum('-x')} FROM amounts`).pluck().get()).toBe('-99.990000');
    // exactSum is comparable with 0 and orderable; formatExactSum publishes it
    expect(
      db.prepare(`SELECT ${d.formatExactSum(d.exactSum('x'))} FROM amounts HAVING ${d.exactSum('x')} <> 0`).pluck().get(),
    ).toBe('99.990000');
    expect(db.prepare(`SELECT ${d.moneySum('x')} FROM amounts WHERE 0`).pluck().get()).toBeNull();
  });

  it('keeps sums above 2^53 micro-units exact', () => {
    db.exec('DELETE FROM amounts');
    const insert = db.prepare('INSERT INTO amounts (x, grp) VALUES (?, 4)');
    for (let i = 0; i < 20; i++) insert.run(999999999999999n);
    expect(db.prepare(`SELECT ${d.moneySum('x')} FROM amounts`).pluck().get()).toBe('19999999999.999980');
  });

  it('multiplies amounts exactly, rounded half away from zero to six decimals', () => {
    const product = (a: string | bigint, b: string | bigint) => value(d.money(d.moneyProduct('@a', '@b')), { a, b });
    expect(product(50000n, 10000000n)).toBe('0.500000'); // 0.05 × 10
    expect(product(1n, 500000n)).toBe('0.000001'); // 0.0000005 rounds away from zero
    expect(product(-1n, 500000n)).toBe('-0.000001');
    expect(product(1n, 499999n)).toBe('0.000000');
    expect(product(-123456789n, -2000000n)).toBe('246.913578');
    // 2,000,000 × 3,000,000: 6 × 10^24 in micro × micro, far beyond 64 bits, where `a * b` turns into a REAL.
    expect(value('typeof(@a * @b)', { a: 2000000000000n, b: 3000000000000n })).toBe('real');
    expect(product(2000000000000n, 3000000000000n)).toBe('6000000000000.000000');
    expect(value(d.moneyProduct('NULL', '@b'), { b: 1n })).toBeNull();
    expect(() => product(9000000000000000000n, 2000000n)).toThrow(/beyond what an amount can hold/);
    expect(microProduct(-5n, 100000n)).toBe(-1n); // -0.0000005 → -0.000001
  });

  it('formats datetimes as wall-clock ISO text', () => {
    expect(value(d.datetimeText("'2024-03-05 14:07:09'"))).toBe('2024-03-05T14:07:09');
    expect(value(d.datetimeText("'2024-03-05'"))).toBe('2024-03-05T00:00:00');
    expect(value(d.dateText("'2024-03-05 14:07:09'"))).toBe('2024-03-05');
    expect(value(d.datetimeText('NULL'))).toBeNull();
  });

  it('gives month starts, date parts and placeholder dates as the views need them', () => {
    expect(value(d.monthStart("'2024-05-15 13:00:00'"))).toBe('2024-05-01 00:00:00');
    expect(value(d.year("'2024-05-15 13:00:00'"))).toBe(2024);
    expect(value(d.month("'2024-05-15 13:00:00'"))).toBe(5);
    expect(value(d.validDate("'1900-01-01 00:00:00'"))).toBeNull();
    expect(value(d.validDate("'1753-01-01'"))).toBeNull();
    expect(value(d.validDate("'2024-01-01 00:00:00'"))).toBe('2024-01-01 00:00:00');
  });

  it('computes the ledger accounting date from JM_Date and EC_Jour', () => {
    db.prepare('INSERT INTO dates (d, jm, jour) VALUES (NULL, ?, ?)').run('2024-02-01 00:00:00', 29);
    expect(db.prepare(`SELECT ${d.ledgerDate('jm', 'jour')} FROM dates`).pluck().get()).toBe('2024-02-29 00:00:00');
    expect(db.prepare(`SELECT ${d.ledgerDate('t.jm', 't.jour')} FROM dates t`).pluck().get()).toBe('2024-02-29 00:00:00');
  });

  it('limits rows with LIMIT', () => {
    db.exec('CREATE TABLE seq (n INTEGER)');
    db.exec('INSERT INTO seq VALUES (1), (2), (3)');
    const rows = db.prepare(`SELECT n FROM seq ORDER BY n ${d.limit(2)}`).pluck().all();
    expect(rows).toEqual([1, 2]);
    expect(() => d.limit(-1)).toThrow(RangeError);
  });

  it('has null handling and concatenation with T-SQL semantics', () => {
    expect(value(d.isNull('NULL', "'x'"))).toBe('x');
    expect(value(d.concat("'a'", 'NULL', "'b'"))).toBe('ab');
    expect(value(d.trim("'  a b  '"))).toBe('a b');
  });
});

describe('T-SQL user functions for SQLite', () => {
  it('provides DATEADD, DATEDIFF, YEAR, MONTH, DAY and LEN', () => {
    expect(value("DATEADD('day', 1, '2024-12-31')")).toBe('2025-01-01 00:00:00');
    expect(value("DATEADD('month', 1, '2024-01-31T08:30:00')")).toBe('2024-02-29 08:30:00');
    expect(value("DATEDIFF('day', '2024-01-01', '2024-03-01')")).toBe(60);
    expect(value("DATEDIFF('month', '2024-01-31', '2024-02-01')")).toBe(1);
    expect(value("DATEDIFF('year', '2023-12-31', '2024-01-01')")).toBe(1);
    expect(value("YEAR('2024-05-06 00:00:00')")).toBe(2024);
    expect(value("MONTH('2024-05-06')")).toBe(5);
    expect(value("DAY('2024-05-06')")).toBe(6);
    expect(value("LEN('abc   ')")).toBe(3);
    expect(value('YEAR(NULL)')).toBeNull();
    expect(() => value("DATEADD('week', 1, '2024-01-01')")).toThrow(/unsupported unit/);
    expect(sqliteDateAdd('dd', 2n, '2024-01-01 12:00:00')).toBe('2024-01-03 12:00:00');
    expect(sqliteDateDiff('mm', '2024-01-15', '2023-11-30')).toBe(-2);
  });
});
