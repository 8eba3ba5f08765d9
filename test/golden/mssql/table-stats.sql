-- tableStatsSql('mssql', 'F_TABLE', true)
-- parameters: none
SELECT COUNT_BIG(*) AS row_count, MAX([cbMarq]) AS last_key, MAX([cbModification]) AS max_modified FROM [F_TABLE]
