-- tableStatsSql('mssql', 'F_TABLE', false)
-- parameters: none
SELECT COUNT_BIG(*) AS row_count, MAX([cbMarq]) AS last_key, NULL AS max_modified FROM [F_TABLE]
