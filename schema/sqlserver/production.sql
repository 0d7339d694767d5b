-- The SQL Server sample's "production" schema. build/sample-dacpac.sh builds production.dacpac from it with DacFx
-- (what an SSDT or SDK-style SQL project's build would produce); the build plans app.schema.yaml against that dacpac.
CREATE TABLE dbo.Customers (
    Id int IDENTITY(1,1) NOT NULL CONSTRAINT PK_Customers PRIMARY KEY CLUSTERED,
    Email nvarchar(320) NOT NULL,
    Name nvarchar(200) NULL,
    CreatedAt datetime2 NOT NULL CONSTRAINT DF_Customers_CreatedAt DEFAULT (sysutcdatetime())
);
GO
CREATE UNIQUE INDEX UX_Customers_Email ON dbo.Customers (Email);
GO
CREATE TABLE dbo.Orders (
    Id bigint IDENTITY(1,1) NOT NULL CONSTRAINT PK_Orders PRIMARY KEY CLUSTERED,
    CustomerId int NOT NULL,
    Total decimal(12,2) NOT NULL,
    PlacedAt datetime2 NOT NULL
);
GO
