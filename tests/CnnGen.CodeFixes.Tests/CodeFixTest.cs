using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace CnnGen.CodeFixes.Tests
{
    /// <summary>
    /// One code-fix check: the source before (the diagnostic's span marked <c>{|CNN0005:…|}</c>), the source after, the
    /// analyzer that reports the diagnostic. Compiles against this runtime's own assemblies and CnnGen.Attributes, so a
    /// test needs no download of reference packages.
    /// </summary>
    internal sealed class CodeFixTest<TCodeFix> : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, TCodeFix, DefaultVerifier>
        where TCodeFix : CodeFixProvider, new()
    {
        private readonly DiagnosticAnalyzer analyzer;

        public CodeFixTest(DiagnosticAnalyzer analyzer, string before, string after)
        {
            this.analyzer = analyzer;
            TestCode = before;
            FixedCode = after;
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            TestState.AdditionalReferences.AddRange(PlatformReferences);
            TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location));
            // The hidden hooks of the inferred-size fix sit on every Linear and BatchNorm: only a test that marks one
            // expects it. Its fix turns one into the other, so the other never counts (it would be fixed back).
            foreach (var hidden in HiddenIds)
                if (!before.Contains("{|" + hidden + ":", System.StringComparison.Ordinal))
                    DisabledDiagnostics.Add(hidden);
        }

        private static readonly string[] HiddenIds = { "CNN0015", "CNN0017" };

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => new[] { analyzer };

        public static Task Check(DiagnosticAnalyzer analyzer, string before, string after, int codeActionIndex = 0)
            => new CodeFixTest<TCodeFix>(analyzer, before, after) { CodeActionIndex = codeActionIndex }.RunAsync();

        private static readonly MetadataReference[] PlatformReferences =
            ((string)System.AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll" or "netstandard.dll"
                    or "System.Console.dll" or "System.Collections.dll" or "System.Linq.dll")
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToArray();
    }
}
