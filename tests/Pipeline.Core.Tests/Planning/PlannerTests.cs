using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Tests.Support;
using Xunit;
using static Pipeline.Core.Tests.Support.Models;

namespace Pipeline.Core.Tests.Planning;

public class PlannerTests
{
    private static MigrationPlan Plan(DatabaseModel desired, DatabaseModel actual, bool allowDataLoss = false) =>
        Planner.Plan(desired, actual, new FakeDialect(), new PlanOptions(AllowDataLoss: allowDataLoss), "test");

    [Fact]
    public void Empty_diff_gives_empty_plan_with_stable_fingerprint()
    {
        var db = Db(Table("t", Col("id")));
        var plan = Plan(db, db);
        Assert.True(plan.IsEmpty);
        Assert.False(plan.IsBlocked);
        Assert.Equal(plan.Fingerprint, Plan(db, db).Fingerprint);
        Assert.Equal(plan.SourceFingerprint, plan.DesiredFingerprint);
    }

    [Fact]
    public void Referenced_table_is_created_before_the_foreign_key_and_validation_comes_in_contract()
    {
        var orders = Table("orders", Col("id"), Col("customer_id")) with
        {
            ForeignKeys = [new ForeignKeyModel("orders_customer_id_fkey", ["customer_id"], "public", "customers", ["id"])],
        };
        var plan = Plan(Db(orders, Table("customers", Col("id"))), DatabaseModel.Empty);
        var summaries = plan.Steps.Select(s => (s.Phase, s.Summary)).ToList();
        var fk = summaries.FindIndex(s => s.Summary.StartsWith("add foreign key", StringComparison.Ordinal));
        Assert.True(summaries.FindIndex(s => s.Summary == "create table public.customers") < fk);
        Assert.True(summaries.FindIndex(s => s.Summary == "create schema public") < fk);
        Assert.Equal(Phase.Contract, plan.Steps[^1].Phase);
        Assert.Equal(Enumerable.Range(1, plan.Steps.Count), plan.Steps.Select(s => s.Ordinal));
    }

    [Fact]
    public void Drops_are_blocked_unless_data_loss_is_allowed()
    {
        var actual = Db(Table("t", Col("id"), Col("old", "text")));
        var desired = Db(Table("t", Col("id")) with { Location = new SourceLocation("app.yaml", 3, 5) });
        var blocked = Plan(desired, actual);
        Assert.True(blocked.IsBlocked);
        var step = Assert.Single(blocked.Steps);
        Assert.True(step.Blocked);
        var error = Assert.Single(blocked.Diagnostics);
        Assert.Equal(DiagnosticCodes.DataLossBlocked, error.Code);
        Assert.StartsWith("app.yaml(3,5): error PIPE2001:", error.ToCanonical("x"), StringComparison.Ordinal);

        var allowed = Plan(desired, actual, allowDataLoss: true);
        Assert.False(allowed.IsBlocked);
        Assert.NotEqual(blocked.Fingerprint, allowed.Fingerprint);
    }

    [Fact]
    public void Contract_enforces_before_it_drops_and_drops_foreign_keys_before_tables()
    {
        var actual = Db(
            Table("a", Col("id"), Col("b_id")) with { ForeignKeys = [new ForeignKeyModel("a_b_fkey", ["b_id"], "public", "b", ["id"])] },
            Table("b", Col("id")),
            Table("c", Col("id"), Col("x")));
        var desired = Db(Table("c", Col("id"), Col("x")) with
        {
            ForeignKeys = [new ForeignKeyModel("c_x_fkey", ["x"], "public", "c", ["id"])],
        });
        var contract = Plan(desired, actual, allowDataLoss: true).StepsOf(Phase.Contract).Select(s => s.Summary).ToList();
        Assert.Equal(4, contract.Count); // validate c_x_fkey, drop a_b_fkey, drop tables a and b
        Assert.StartsWith("validate", contract[0], StringComparison.Ordinal);
        Assert.StartsWith("drop foreign key", contract[1], StringComparison.Ordinal);
        Assert.All(contract.Skip(2), s => Assert.StartsWith("drop table", s, StringComparison.Ordinal));
    }

    [Fact]
    public void Replacement_drop_runs_in_expand_right_before_the_recreation()
    {
        var actual = Db(Table("t", Col("id"), Col("a")) with { Indexes = [new IndexModel("t_a_idx", ["a"])] });
        var desired = Db(Table("t", Col("id"), Col("a")) with { Indexes = [new IndexModel("t_a_idx", ["a"], Unique: true)] });
        var plan = Plan(desired, actual);
        Assert.False(plan.IsBlocked);
        Assert.Collection(plan.Steps,
            s => Assert.Equal((Phase.Expand, "drop index public.t_a_idx"), (s.Phase, s.Summary)),
            s => Assert.Equal((Phase.Expand, "create index t_a_idx on public.t"), (s.Phase, s.Summary)));
    }

    [Fact]
    public void Unsupported_change_blocks_with_PIPE2004()
    {
        DatabaseModel WithEnum(params string[] values) => new([new SchemaModel("public", [], [new EnumTypeModel("s", values)])], []);
        var plan = Plan(WithEnum("a"), WithEnum("a", "b"));
        Assert.True(plan.IsBlocked);
        Assert.Equal(DiagnosticCodes.Unsupported, Assert.Single(plan.Diagnostics).Code);
    }

    [Fact]
    public void Schema_fingerprint_ignores_stats_and_locations()
    {
        var a = Db(Table("t", Col("id")));
        var b = Db(Table("t", Col("id")) with { Stats = new TableStats(10, 1, 8192), Location = new SourceLocation("f", 1, 1) });
        Assert.Equal(Fingerprints.OfSchema(a), Fingerprints.OfSchema(b));
        Assert.NotEqual(Fingerprints.OfSchema(a), Fingerprints.OfSchema(Db(Table("t", Col("id", "bigint")))));
        Assert.Matches("^sha256:[0-9a-f]{64}$", Fingerprints.OfSchema(a));
    }
}
