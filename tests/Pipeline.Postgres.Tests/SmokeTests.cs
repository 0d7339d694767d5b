namespace Pipeline.Postgres.Tests;
public class SmokeTests { [Xunit.Fact] public void Loads() => Xunit.Assert.True(true); }
