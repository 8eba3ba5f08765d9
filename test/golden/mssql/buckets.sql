-- bucketsSql('mssql', 'F_TABLE', columns, false)
-- parameters: @after int, @upto int
SELECT [cbMarq] / 1024 AS bucket, COUNT_BIG(*) AS row_count FROM [F_TABLE] WHERE [cbMarq] > @after AND [cbMarq] <= @upto GROUP BY [cbMarq] / 1024 ORDER BY [cbMarq] / 1024
