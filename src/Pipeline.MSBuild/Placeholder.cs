namespace Pipeline.MSBuild; internal static class Placeholder { }
