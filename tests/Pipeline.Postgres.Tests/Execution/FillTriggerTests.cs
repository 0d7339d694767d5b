using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Core.Planning;
using Pipeline.Postgres.Dialect;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Postgres.Tests.Execution;

/// <summary>
/// The fill trigger's <c>WHEN</c> conditions (<see cref="PostgresDialect"/> dual-write window): the backfill's own
/// batch, which writes the column, must never call the trigger's PL/pgSQL function, while an old application version's
/// INSERT without the column and UPDATE of other columns still do (and get the backfill's value). Counted by the
/// server itself in one transaction: <c>track_functions = 'pl'</c> and <c>pg_stat_get_xact_function_calls</c>
/// (https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-USER-FUNCTIONS-VIEW).
/// </summary>
public sealed class FillTriggerTests(PostgresServer server)
{
    private readonly ExecutionHarness h = new(server);

    private static CancellationToken Ct => ExecutionHarness.Ct;

    [Fact]
    public async Task The_backfill_batch_never_calls_the_fill_function_and_old_version_writes_still_do()
    {
        const string before = """
            version: 1
            schemas:
              public:
                tables:
                  items:
                    columns:
                      - {name: id, type: bigint, nullable: false}
                      - {name: qty, type: integer, nullable: false}
                    primaryKey: [id]
            """;
        const string after = """
            version: 1
            schemas:
              public:
                tables:
                  items:
                    columns:
                      - {name: id, type: bigint, nullable: false}
                      - {name: qty, type: integer, nullable: false}
                      - {name: qty2, type: integer, nullable: false, backfill: "qty * 2"}
                    primaryKey: [id]
            """;
        var db = await h.CreateAsync(before, "fill_when", "INSERT INTO items SELECT g, g FROM generate_series(1, 500) g");
        var (plan, desired) = await h.PlanAsync(db, after);
        Assert.True((await h.Executor(db, ExecutionHarness.Fast).RunPhaseAsync(plan, Phase.Expand, desired.Exclude, Ct)).Succeeded);
        var backfill = Assert.Single(plan.Steps, s => s.Kind == StepKind.Backfill);
        var batch = new BackfillBatch(backfill.Backfill!);

        await using var connection = await h.OpenAsync(db);
        await using var tx = await connection.BeginTransactionAsync(Ct);
        await Run(connection, "SET LOCAL track_functions = 'pl'");
        async Task<long> Calls() => await Scalar(connection,
            "SELECT coalesce(pg_stat_get_xact_function_calls('public.pipeline_fill_items_qty2'::regproc), 0)");

        // The backfill's batch (all 500 rows in one) writes qty2 on every row: the function is never entered.
        await using (var command = new NpgsqlCommand(batch.First, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = 1000, NpgsqlDbType = NpgsqlDbType.Integer });
            await using var reader = await command.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal(500L, reader.GetInt64(0));
        }

        Assert.Equal(0, await Calls());
        Assert.Equal(0, await Scalar(connection, "SELECT count(*) FROM items WHERE qty2 IS DISTINCT FROM qty * 2"));

        // An old version updating another column: the value is computed again from the new row (10 calls).
        await Run(connection, "UPDATE items SET qty = qty + 1 WHERE id <= 10");
        Assert.Equal(10, await Calls());
        Assert.Equal(0, await Scalar(connection, "SELECT count(*) FROM items WHERE qty2 IS DISTINCT FROM qty * 2"));

        // An old version inserting without the column: filled (1 call).
        await Run(connection, "INSERT INTO items (id, qty) VALUES (1001, 7)");
        Assert.Equal(11, await Calls());
        Assert.Equal(14, await Scalar(connection, "SELECT qty2 FROM items WHERE id = 1001"));

        // The new version writing the column itself keeps what it wrote, without a call.
        await Run(connection, "UPDATE items SET qty2 = -1 WHERE id = 20");
        await Run(connection, "INSERT INTO items (id, qty, qty2) VALUES (1002, 7, -2)");
        Assert.Equal(11, await Calls());
        Assert.Equal(-3, await Scalar(connection, "SELECT sum(qty2) FROM items WHERE id IN (20, 1002)"));
    }

    private static async Task Run(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<long> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
    }
}
