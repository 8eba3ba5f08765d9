-- bucketsSql('mssql', 'F_TABLE', columns, true)
-- parameters: @after int, @upto int
SELECT [cbMarq] / 128 AS bucket, COUNT_BIG(*) AS row_count, CHECKSUM_AGG(BINARY_CHECKSUM([cbMarq], [CT_Num], [EC_Montant], [EC_Date], [N° pièce], [DO_Frais], [cbModification])) AS checksum, SUM(CAST(BINARY_CHECKSUM([cbMarq], [CT_Num], [EC_Montant], [EC_Date], [N° pièce], [DO_Frais], [cbModification]) AS bigint)) AS checksum_sum FROM [F_TABLE] WHERE [cbMarq] > @after AND [cbMarq] <= @upto GROUP BY [cbMarq] / 128 ORDER BY [cbMarq] / 128
