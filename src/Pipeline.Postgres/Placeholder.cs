namespace Pipeline.Postgres; internal static class Placeholder { }
