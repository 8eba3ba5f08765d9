/** Source values to replica values: amounts exact to the last digit or refused, datetimes unshifted. */
import { describe, expect, it } from 'vitest';
import type { SourceColumn } from '../../src/replica/schema.js';
import { microUnits, storedDatetime, storedValue } from '../../src/replica/values.js';

const amount: SourceColumn = { name: 'EC_Montant', sourceType: 'numeric', kind: 'decimal', nullable: false };
const place = { table: 'F_ECRITUREC', key: 42 };

describe('replica values', () => {
  it('keeps amounts of 18 significant digits digit for digit, as integer micro-units', () => {
    expect(microUnits('123456789012.345678', amount, place)).toBe(123456789012345678n);
    expect(microUnits('-0.000001', amount, place)).toBe(-1n);
    expect(microUnits('12.500000', amount, place)).toBe(12500000n);
    expect(microUnits('7', amount, place)).toBe(7000000n);
    expect(microUnits('.5', amount, place)).toBe(500000n);
    expect(microUnits('1.2300000000', amount, place)).toBe(1230000n); // numeric(38,10): zeros beyond six decimals
    expect(() => microUnits(9007199254740993n, amount, place)).toThrow(/too large/); // an integer column read as an amount
  });

  it('refuses what it cannot hold, naming table, column and key', () => {
    expect(() => microUnits('0.1234567', amount, place)).toThrow('F_ECRITUREC.EC_Montant (cbMarq 42) holds 0.1234567, which has more than six decimals.');
    expect(() => microUnits('9223372036854.775808', amount, place)).toThrow(/too large for the replica/);
    expect(microUnits('9223372036854.775807', amount, place)).toBe(9223372036854775807n);
    expect(() => microUnits('douze', amount, place)).toThrow(/is not a decimal number/);
  });

  it('stores datetimes as wall-clock text, a fraction only when there is one', () => {
    expect(storedDatetime('2024-03-31T02:30:00.000')).toBe('2024-03-31 02:30:00');
    expect(storedDatetime('2024-03-31T02:30:00')).toBe('2024-03-31 02:30:00');
    expect(storedDatetime('2024-03-31T02:30:00.120')).toBe('2024-03-31 02:30:00.12');
    expect(storedDatetime('2024-02-29')).toBe('2024-02-29 00:00:00');
    const guid: SourceColumn = { name: 'cbGuid', sourceType: 'uniqueidentifier', kind: 'guid', nullable: true };
    const bytes = Buffer.from('33221100554477668899aabbccddeeff', 'hex');
    expect(storedValue(bytes, guid, place)).toBe('00112233-4455-6677-8899-AABBCCDDEEFF');
  });
});
