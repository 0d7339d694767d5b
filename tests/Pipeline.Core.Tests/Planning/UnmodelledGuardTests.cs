using Pipeline.Core.Diff;
using Pipeline.Core.Model;
using Pipeline.Core.Planning;
using Pipeline.Core.Snapshot;
using Pipeline.Core.Tests.Support;
using Xunit;
using static Pipeline.Core.Tests.Support.Models;

namespace Pipeline.Core.Tests.Planning;

/// <summary>"Could affect", kind by kind: which changes an unmodelled property refuses and which it leaves alone; how
/// dependents block or order drops.</summary>
public class UnmodelledGuardTests
{
    private static readonly QualifiedName T = new("public", "t");

    private static TableModel With(params UnmodelledProperty[] properties) =>
        Table("t", Col("id"), Col("v"), Col("w", "text")) with { Unmodelled = properties };

    private static ChangeTarget Target(TableModel table, Touch touch, string? column = null, string? obj = null, bool replacement = false) =>
        new(T, table, touch, column, obj, replacement);

    private static bool Refused(UnmodelledProperty p, Touch touch, string? column = null, string? obj = null, bool backfills = false, bool replacement = false) =>
        UnmodelledGuard.Affected(Target(With(p), touch, column, obj, replacement), backfills).Count > 0;

    [Fact]
    public void A_trigger_refuses_backfills_and_column_drops_retypes_renames_but_not_indexes_or_comments()
    {
        var trigger = new UnmodelledProperty(UnmodelledKind.Trigger, "t_audit", "BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION audit()");
        Assert.True(Refused(trigger, Touch.AddColumn, "x", backfills: true));
        Assert.True(Refused(trigger, Touch.DropColumn, "v"));
        Assert.True(Refused(trigger, Touch.RetypeColumn, "v"));
        Assert.True(Refused(trigger, Touch.RenameColumn, "v"));
        Assert.False(Refused(trigger, Touch.AddColumn, "x"));
        Assert.False(Refused(trigger, Touch.CreateIndex, obj: "t_v_idx"));
        Assert.False(Refused(trigger, Touch.Comment));
        Assert.False(Refused(trigger, Touch.AddForeignKey, obj: "t_fk"));
    }

    [Fact]
    public void Row_level_security_refuses_backfills_only_and_a_policy_only_when_it_is_enabled()
    {
        var rls = new UnmodelledProperty(UnmodelledKind.RowLevelSecurity, null, "enabled");
        var policy = new UnmodelledProperty(UnmodelledKind.Policy, "p", "FOR ALL USING (true)");
        Assert.True(Refused(rls, Touch.ColumnNullability, "v", backfills: true));
        Assert.False(Refused(rls, Touch.DropColumn, "v"));
        Assert.False(Refused(policy, Touch.AddColumn, "x", backfills: true));
        Assert.Equal(2, UnmodelledGuard.Affected(Target(With(rls, policy), Touch.AddColumn, "x"), backfills: true).Count);
    }

    [Fact]
    public void Column_properties_refuse_only_changes_to_their_column()
    {
        var collation = new UnmodelledProperty(UnmodelledKind.ColumnCollation, null, "\"C\"", ["w"]);
        Assert.True(Refused(collation, Touch.RetypeColumn, "w"));
        Assert.False(Refused(collation, Touch.RetypeColumn, "v"));
        Assert.False(Refused(collation, Touch.DropColumn, "w"));
        var statistics = new UnmodelledProperty(UnmodelledKind.ExtendedStatistics, "public.s", "ndistinct", ["v", "w"]);
        Assert.True(Refused(statistics, Touch.DropColumn, "w"));
        Assert.False(Refused(statistics, Touch.RetypeColumn, "w"));
        var sequence = new UnmodelledProperty(UnmodelledKind.SequenceOptions, "t_id_seq", "start 100", ["id"]);
        Assert.True(Refused(sequence, Touch.ColumnIdentity, "id"));
        Assert.True(Refused(sequence, Touch.RetypeColumn, "id"));
        Assert.False(Refused(sequence, Touch.RetypeColumn, "v"));
    }

    [Fact]
    public void Index_properties_refuse_replacing_that_index_only()
    {
        var tablespace = new UnmodelledProperty(UnmodelledKind.IndexTablespace, "t_v_idx", "fast");
        Assert.True(Refused(tablespace, Touch.DropIndex, obj: "t_v_idx", replacement: true));
        Assert.False(Refused(tablespace, Touch.DropIndex, obj: "t_v_idx"));
        Assert.False(Refused(tablespace, Touch.DropIndex, obj: "other_idx", replacement: true));
        var replica = new UnmodelledProperty(UnmodelledKind.ReplicaIdentity, "t_v_key", "USING INDEX");
        Assert.True(Refused(replica, Touch.DropKey, obj: "t_v_key"));
        Assert.False(Refused(replica with { Name = null, Detail = "FULL" }, Touch.DropKey, obj: "t_v_key"));
    }

    [Theory]
    [InlineData(UnmodelledKind.StorageParameters)]
    [InlineData(UnmodelledKind.StatisticsTarget)]
    [InlineData(UnmodelledKind.ColumnOptions)]
    [InlineData(UnmodelledKind.Unlogged)]
    [InlineData(UnmodelledKind.Tablespace)]
    [InlineData(UnmodelledKind.AccessMethod)]
    public void Properties_no_planned_statement_changes_refuse_nothing(UnmodelledKind kind)
    {
        var p = new UnmodelledProperty(kind, null, "x", kind is UnmodelledKind.StatisticsTarget or UnmodelledKind.ColumnOptions ? ["v"] : null);
        Assert.False(UnmodelledGuard.CanRefuse(kind));
        foreach (var touch in Enum.GetValues<Touch>())
        {
            Assert.False(Refused(p, touch, "v", "t_v_idx", backfills: true, replacement: true), touch.ToString());
        }
    }

    [Fact]
    public void The_planner_blocks_the_change_reports_PIPE2020_and_the_allowance_turns_it_into_PIPE1022()
    {
        var trigger = new UnmodelledProperty(UnmodelledKind.Trigger, "t_audit", "BEFORE UPDATE");
        var actual = Db(With(trigger));
        var desired = Db(Table("t", Col("id"), Col("v")) with { Location = new SourceLocation("app.yaml", 4, 7) });

        var plan = Planner.Plan(desired, actual, new FakeDialect(), new PlanOptions(AllowDataLoss: true), "test");
        var refusal = Assert.Single(plan.Diagnostics, d => d.Code == DiagnosticCodes.UnmodelledPropertyBlocks);
        Assert.Equal(DiagnosticSeverity.Error, refusal.Severity);
        Assert.StartsWith("drop column public.t.w is refused: public.t has trigger t_audit (BEFORE UPDATE)", refusal.Message, StringComparison.Ordinal);
        Assert.True(Assert.Single(plan.Steps).Blocked);
        var warning = Assert.Single(plan.Diagnostics, d => d.Code == DiagnosticCodes.UnmodelledProperty);
        Assert.Equal(new SourceLocation("app.yaml", 4, 7), warning.Location);

        var allowed = Planner.Plan(desired, actual, new FakeDialect(), new PlanOptions(AllowDataLoss: true, AllowUnmodelled: [UnmodelledKind.Trigger]), "test");
        Assert.False(allowed.IsBlocked);
        Assert.Single(allowed.Diagnostics, d => d.Code == DiagnosticCodes.UnmodelledPropertyAllowed);
    }

    [Fact]
    public void Unmodelled_dependents_block_and_modelled_ones_the_plan_drops_are_ordered_first()
    {
        var view = new DependentObject("view", "public.t_view", "v", null, null, null, Automatic: false);
        var fk = new DependentObject("foreign key", "u_w_fkey on public.u", "w", null, new QualifiedName("public", "u"), "u_w_fkey", Automatic: false);
        var own = new DependentObject("index", "public.t_v_idx", "v", null, T, "t_v_idx", Automatic: true);
        var actualT = Table("t", Col("id"), Col("v"), Col("w", "text")) with { Dependents = [view, fk, own] };
        var u = Table("u", Col("id"), Col("w", "text")) with
        {
            ForeignKeys = [new ForeignKeyModel("u_w_fkey", ["w"], "public", "t", ["w"])],
        };
        var actual = Db(actualT, u);
        var desired = Db(Table("t", Col("id")), Table("u", Col("id"), Col("w", "text")));

        var plan = Planner.Plan(desired, actual, new FakeDialect(), new PlanOptions(AllowDataLoss: true), "test");

        var block = Assert.Single(plan.Diagnostics, d => d.Code == DiagnosticCodes.DependentObjectsBlock);
        Assert.StartsWith("drop column public.t.v is blocked: view public.t_view depends on it (pg_depend)", block.Message, StringComparison.Ordinal);
        Assert.True(plan.Steps.Single(s => s.Summary == "drop column public.t.v").Blocked);
        var dropW = plan.Steps.Single(s => s.Summary == "drop column public.t.w");
        Assert.False(dropW.Blocked);
        Assert.True(plan.Steps.Single(s => s.Summary.StartsWith("drop foreign key u_w_fkey", StringComparison.Ordinal)).Ordinal < dropW.Ordinal);

        // The same facts from a snapshot give the same plan.
        var offline = SnapshotSerializer.Deserialize(SnapshotSerializer.Serialize(actual), "snap.json");
        Assert.Equal(plan.Fingerprint, Planner.Plan(desired, offline, new FakeDialect(), new PlanOptions(AllowDataLoss: true), "test").Fingerprint);
        Assert.Equal(Fingerprints.OfSchema(actual), Fingerprints.OfSchema(offline));
    }

    [Fact]
    public void Catalog_facts_change_the_fingerprint_only_when_present()
    {
        var plain = Db(Table("t", Col("id")));
        var withTrigger = Db(Table("t", Col("id")) with { Unmodelled = [new UnmodelledProperty(UnmodelledKind.Trigger, "x", "")] });
        var withEmptyLists = Db(Table("t", Col("id")) with { Unmodelled = [], Dependents = [] });
        Assert.NotEqual(Fingerprints.OfSchema(plain), Fingerprints.OfSchema(withTrigger));
        Assert.Equal(Fingerprints.OfSchema(plain), Fingerprints.OfSchema(withEmptyLists));
    }

    [Fact]
    public void Drift_in_catalog_facts_is_described()
    {
        var before = Db(Table("t", Col("id")));
        var after = Db(Table("t", Col("id")) with
        {
            Unmodelled = [new UnmodelledProperty(UnmodelledKind.Trigger, "t_audit", "BEFORE UPDATE")],
            Dependents = [new DependentObject("view", "public.v", "id", null, null, null, false), new DependentObject("index", "public.t_pkey", "id", null, T, "t_pkey", true)],
        });
        Assert.Equal(["public.t: new trigger t_audit (BEFORE UPDATE)", "public.t: new dependent view public.v (on column id)"], CatalogFactsDiff.Describe(before, after));
        Assert.Equal(["public.t: no longer has trigger t_audit (BEFORE UPDATE)", "public.t: no longer has dependent view public.v (on column id)"], CatalogFactsDiff.Describe(after, before));
        Assert.Empty(CatalogFactsDiff.Describe(after, after));
    }

    [Fact]
    public void Option_names_round_trip()
    {
        Assert.Equal("row-level-security", UnmodelledKinds.OptionName(UnmodelledKind.RowLevelSecurity));
        Assert.All(Enum.GetValues<UnmodelledKind>(), k => Assert.Equal(k, UnmodelledKinds.FromOptionName(UnmodelledKinds.OptionName(k))));
        Assert.Null(UnmodelledKinds.FromOptionName("triggers"));
    }

    [Fact]
    public void Change_targets_resolve_renamed_tables_and_columns()
    {
        var actual = Db(Table("old", Col("id"), Col("a")));
        var desired = Db(Table("new", Col("id"), Col("b") with { RenamedFrom = "a" }) with { RenamedFrom = "old" });
        var change = new AlterColumnDefault(new QualifiedName("public", "new"), "b", "1", null);
        var target = ChangeTarget.Of(change, desired, actual)!;
        Assert.Equal(new QualifiedName("public", "old"), target.Name);
        Assert.Equal("a", target.Column);
        Assert.Equal(Touch.ColumnDefault, target.Touch);
    }
}
