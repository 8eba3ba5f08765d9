-- rangeKeysSql('mssql', 'F_TABLE')
-- parameters: @after int, @upto int
SELECT [cbMarq] FROM [F_TABLE] WHERE [cbMarq] > @after AND [cbMarq] <= @upto ORDER BY [cbMarq]
