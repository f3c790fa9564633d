using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Emit;

namespace CnnGen.Generator.Tests.Infrastructure
{
    /// <summary>What one generator run produced.</summary>
    public sealed record GeneratorRun(
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<(string HintName, string Source)> Sources,
        ImmutableArray<Diagnostic> CompilationDiagnostics,
        Compilation OutputCompilation);

    /// <summary>What a generator run produced, without compiling the result (cheap: for property and fuzz tests).</summary>
    public sealed record GeneratorOnlyRun(
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<(string HintName, string Source)> Sources,
        Compilation InputCompilation,
        Compilation OutputCompilation);

    /// <summary>Runs the CnnGen generator over source text in memory and compiles the result.</summary>
    public static class GeneratorHarness
    {
        private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        {
            var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
            var refs = tpa.Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToList();
            refs.Add(MetadataReference.CreateFromFile(typeof(CnnGen.NetworkAttribute).Assembly.Location));
            refs.Add(MetadataReference.CreateFromFile(typeof(CnnGen.INetwork).Assembly.Location));
            return refs.ToImmutableArray();
        });

        public static CSharpParseOptions ParseOptions { get; } = new CSharpParseOptions(LanguageVersion.Preview);

        public static CSharpCompilation CreateCompilation(params string[] sources)
            => CSharpCompilation.Create(
                "UserAssembly",
                sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
                References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        /// <summary>A driver for the CnnGen generator that records every incremental step.</summary>
        public static GeneratorDriver CreateDriver()
            => CSharpGeneratorDriver.Create(
                new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: ParseOptions,
                driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        public static GeneratorRun Run(params string[] sources)
        {
            var g = RunGeneratorOnly(sources);
            var compileDiagnostics = g.OutputCompilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
            return new GeneratorRun(g.GeneratorDiagnostics, g.Sources, compileDiagnostics, g.OutputCompilation);
        }

        /// <summary>Runs the generator only; the output compilation is returned unbound (nothing compiled yet).</summary>
        public static GeneratorOnlyRun RunGeneratorOnly(params string[] sources) => RunGeneratorOnly(includeHidden: false, sources);

        /// <summary>
        /// As <see cref="RunGeneratorOnly(string[])"/>; <paramref name="includeHidden"/> keeps the hidden diagnostics
        /// (CNN0015, CNN0017: hooks for the IDE's code fixes, which a build does not show).
        /// </summary>
        public static GeneratorOnlyRun RunGeneratorOnly(bool includeHidden, params string[] sources)
        {
            var compilation = CreateCompilation(sources);
            var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
            var result = driver.GetRunResult();
            var sourcesOut = result.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToImmutableArray();
            // An exception escaping the generator is reported as CS8785 on the run result, not in Diagnostics.
            var diagnostics = result.Diagnostics;
            foreach (var r in result.Results)
                if (r.Exception is not null)
                    diagnostics = diagnostics.Add(Diagnostic.Create(new DiagnosticDescriptor("CS8785", "Generator threw", r.Exception.ToString(), "Test", DiagnosticSeverity.Warning, true), Location.None));
            // CnnGen's diagnostics come from its analyzer, which a build runs over the compilation with the generated code.
            diagnostics = diagnostics.AddRange(AnalyzerDiagnostics(output).Where(d => includeHidden || d.Severity != DiagnosticSeverity.Hidden));
            return new GeneratorOnlyRun(diagnostics, sourcesOut, compilation, output);
        }

        /// <summary>What <see cref="NetworkAnalyzer"/> reports over a compilation (suppressed diagnostics left out, as in a build).</summary>
        public static ImmutableArray<Diagnostic> AnalyzerDiagnostics(Compilation compilation)
        {
            var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>(new NetworkAnalyzer()));
            var all = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
            // An analyzer that throws is reported as AD0001: surface it like the generator's CS8785.
            return all.Where(d => !d.IsSuppressed).ToImmutableArray();
        }

        /// <summary>The single generated source; fails when the run produced none or several.</summary>
        public static string SingleSource(this GeneratorRun run)
        {
            if (run.Sources.Length != 1)
                throw new InvalidOperationException($"Expected one generated file, got {run.Sources.Length}; generator diagnostics:\n" + Describe(run.GeneratorDiagnostics));
            return run.Sources[0].Source;
        }

        /// <summary>One diagnostic a line, with id, severity, location and message, for assertion messages.</summary>
        public static string Describe(IEnumerable<Diagnostic> diagnostics)
            => string.Join("\n", diagnostics.Select(d => $"{d.Id} {d.Severity} {d.Location.GetLineSpan()}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));

        /// <summary>
        /// Compiles the output of a run to an in-memory assembly and loads it into a collectible context.
        /// CnnGen.Runtime resolves to the copy the test process already has, so its types can be used directly.
        /// </summary>
        public static Assembly EmitAndLoad(Compilation compilation)
        {
            using var stream = new MemoryStream();
            EmitResult result = compilation.Emit(stream);
            if (!result.Success)
                throw new InvalidOperationException("Emit failed:\n" + Describe(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
            stream.Position = 0;
            var context = new AssemblyLoadContext("CnnGen.Generator.Tests." + Guid.NewGuid().ToString("N"), isCollectible: true);
            return context.LoadFromStream(stream);
        }
    }
}
