-- bucketsSql('mssql', 'F_TABLE', columns, false)
-- parameters: @after int, @upto int
SELECT [cbMarq] / 128 AS bucket, COUNT_BIG(*) AS row_count FROM [F_TABLE] WHERE [cbMarq] > @after AND [cbMarq] <= @upto GROUP BY [cbMarq] / 128 ORDER BY [cbMarq] / 128
