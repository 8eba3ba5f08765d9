-- rangeRowsSql('mssql', 'F_TABLE', columns)
-- parameters: @after int, @upto int
SELECT [cbMarq], [CT_Num], CAST([EC_Montant] AS varchar(48)) AS [EC_Montant], [EC_Date], [N° pièce], CONVERT(varchar(48), [DO_Frais], 2) AS [DO_Frais], [cbModification] FROM [F_TABLE] WHERE [cbMarq] > @after AND [cbMarq] <= @upto ORDER BY [cbMarq]
