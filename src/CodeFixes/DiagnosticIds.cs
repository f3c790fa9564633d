namespace CnnGen.CodeFixes
{
    /// <summary>
    /// The ids and <c>Diagnostic.Properties</c> keys the fixes read. They are the analyzer's contract
    /// (src/Generator's NetworkAnalyzer reports them); written out here because this assembly must not reference
    /// the generator's internals.
    /// </summary>
    internal static class DiagnosticIds
    {
        public const string NotPartial = "CNN0001";
        public const string ChannelMismatch = "CNN0004";
        public const string LinearMismatch = "CNN0005";
        public const string MissingFlatten = "CNN0007";
        public const string UnreadInput = "CNN0008";
        public const string UnknownLayer = "CNN0010";
        public const string SizeInferred = "CNN0015";
        public const string SizeInferable = "CNN0017";

        /// <summary>CNN0004/CNN0005/CNN0015/CNN0017: the constructor parameter to rewrite, e.g. "inFeatures".</summary>
        public const string ArgumentKey = "Argument";
        /// <summary>CNN0004/CNN0005/CNN0015/CNN0017: the number that fits, as C# source text, e.g. "3136".</summary>
        public const string ValueKey = "Value";
        /// <summary>CNN0007: the layer to insert before the attribute, "Flatten".</summary>
        public const string InsertBeforeKey = "InsertBefore";
        /// <summary>CNN0008: the padding that reads every row and column (absent when none does).</summary>
        public const string PaddingKey = "Padding";
        /// <summary>CNN0008: "true" when ceilMode reads every row and column (pooling only).</summary>
        public const string CeilModeKey = "CeilMode";
        /// <summary>CNN0010: the layer name that was probably meant, e.g. "ReLU".</summary>
        public const string SuggestionKey = "Suggestion";

        /// <summary>The constructor parameter and the number a diagnostic carries (<see cref="ArgumentKey"/>, <see cref="ValueKey"/>); false when either is missing.</summary>
        public static bool TryGetArgument(Microsoft.CodeAnalysis.Diagnostic diagnostic, out string parameter, out string value)
        {
            diagnostic.Properties.TryGetValue(ArgumentKey, out var p);
            diagnostic.Properties.TryGetValue(ValueKey, out var v);
            parameter = p ?? "";
            value = v ?? "";
            return parameter.Length > 0 && value.Length > 0;
        }
    }
}
