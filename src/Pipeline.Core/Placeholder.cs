namespace Pipeline.Core; internal static class Placeholder { }
