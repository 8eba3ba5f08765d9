-- src/sources/mssql.ts COLUMNS_SQL
-- parameters: @schema nvarchar(4000), @table nvarchar(4000)
SELECT COLUMN_NAME AS name, DATA_TYPE AS type, IS_NULLABLE AS nullable FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = @schema AND TABLE_NAME = @table ORDER BY ORDINAL_POSITION
