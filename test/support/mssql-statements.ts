/**
 * Every statement shape sbsync sends to SQL Server, rendered for a placeholder table: what
 * test/golden/mssql/ keeps, and what the TDS test server and FreeTDS run in tests.
 */
import type { ColumnInfo, SqlParamType, SqlParams } from '../../src/sources/source.js';
import { COLUMNS_SQL } from '../../src/sources/mssql.js';
import { bucketsSql, changedAfterSql, chunkAfterSql, rangeKeysSql, rangeRowsSql, tableStatsSql } from '../../src/replica/reads.js';
import { copiedColumns } from '../../src/replica/schema.js';

export const PLACEHOLDER_TABLE = 'F_TABLE';
export const PLACEHOLDER_ROWS = 5000;

/** The placeholder table's columns as the SQL Server source discovers them; one user column with a space and an accent, one money column. */
export const PLACEHOLDER_COLUMNS: readonly ColumnInfo[] = [
  { name: 'cbMarq', type: 'int', nullable: false },
  { name: 'CT_Num', type: 'varchar', nullable: false },
  { name: 'EC_Montant', type: 'numeric', nullable: true },
  { name: 'EC_Date', type: 'smalldatetime', nullable: true },
  { name: 'N° pièce', type: 'varchar', nullable: true },
  { name: 'DO_Frais', type: 'money', nullable: true },
  { name: 'cbModification', type: 'smalldatetime', nullable: true },
];

/** The same table in a SQLite fixture of the TDS test server (`numeric text`: amounts kept exact, see types.ts). */
export const PLACEHOLDER_DDL = `CREATE TABLE ${PLACEHOLDER_TABLE} (cbMarq INTEGER PRIMARY KEY NOT NULL, CT_Num varchar(17) NOT NULL,
  EC_Montant "numeric text(24,6)", EC_Date smalldatetime, "N° pièce" varchar(13), DO_Frais money, cbModification smalldatetime)`;

export interface StatementShape {
  /** The golden file's name in test/golden/mssql/. */
  file: string;
  /** What renders it, for the file's header. */
  source: string;
  sql: string;
  /** Parameters as sbsync binds them (the mssql source declares them: int, datetime, nvarchar). */
  params: SqlParams;
}

const int = (value: number) => ({ type: 'int', value }) as const;

export function statementShapes(): StatementShape[] {
  const columns = copiedColumns(PLACEHOLDER_COLUMNS);
  const t = PLACEHOLDER_TABLE;
  const range = { after: int(0), upto: int(65_536) };
  return [
    { file: 'columns.sql', source: 'src/sources/mssql.ts COLUMNS_SQL', sql: COLUMNS_SQL, params: { schema: { type: 'text', value: 'dbo' }, table: { type: 'text', value: t } } },
    { file: 'table-stats.sql', source: `tableStatsSql('mssql', '${t}', true)`, sql: tableStatsSql('mssql', t, true), params: {} },
    { file: 'table-stats-no-modified.sql', source: `tableStatsSql('mssql', '${t}', false)`, sql: tableStatsSql('mssql', t, false), params: {} },
    { file: 'chunk-after.sql', source: `chunkAfterSql('mssql', '${t}', columns, ${PLACEHOLDER_ROWS})`, sql: chunkAfterSql('mssql', t, columns, PLACEHOLDER_ROWS), params: { after: int(0) } },
    {
      file: 'changed-after.sql',
      source: `changedAfterSql('mssql', '${t}', columns, ${PLACEHOLDER_ROWS})`,
      sql: changedAfterSql('mssql', t, columns, PLACEHOLDER_ROWS),
      params: { after: int(0), since: { type: 'datetime', value: '2024-03-02T00:00:00' }, lastKey: int(1_000) },
    },
    { file: 'range-keys.sql', source: `rangeKeysSql('mssql', '${t}')`, sql: rangeKeysSql('mssql', t), params: range },
    { file: 'range-rows.sql', source: `rangeRowsSql('mssql', '${t}', columns)`, sql: rangeRowsSql('mssql', t, columns), params: range },
    { file: 'buckets.sql', source: `bucketsSql('mssql', '${t}', columns, false)`, sql: bucketsSql('mssql', t, columns, false), params: range },
    { file: 'buckets-checksum.sql', source: `bucketsSql('mssql', '${t}', columns, true)`, sql: bucketsSql('mssql', t, columns, true), params: range },
  ];
}

/** How the SQL Server source declares each port parameter type (src/sources/mssql-values.ts). */
const DECLARED: Record<SqlParamType, string> = {
  int: 'int',
  bigint: 'bigint',
  decimal: 'decimal(24, 6)',
  text: 'nvarchar(4000)',
  datetime: 'datetime',
  date: 'date',
  bit: 'bit',
};

/** A golden file: a header naming what renders the statement and its parameters as declared, then the statement. */
export function goldenText(shape: StatementShape): string {
  const params = Object.entries(shape.params).map(([name, param]) => `@${name} ${DECLARED[param.type]}`);
  return `-- ${shape.source}\n-- parameters: ${params.length > 0 ? params.join(', ') : 'none'}\n${shape.sql}\n`;
}

/**
 * The statement as a batch for a client without parameters (FreeTDS tsql): each parameter becomes a
 * literal SQL Server reads the same way whatever the login's language (ISO 8601 datetimes, N'' text).
 */
export function withLiterals(sql: string, params: SqlParams): string {
  return sql.replace(/@(\w+)/g, (whole, name: string) => {
    const param = params[name];
    if (!param) return whole;
    if (param.type === 'datetime') return `CONVERT(datetime, '${String(param.value)}', 126)`;
    if (param.type === 'text') return `N'${String(param.value).replace(/'/g, "''")}'`;
    return String(param.value);
  });
}
