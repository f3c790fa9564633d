using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests
{
    /// <summary>Generated code compared with approved files, compiled, and generated the same way twice.</summary>
    public class BaselineTests
    {
        public static IEnumerable<object[]> Names => Networks.Baselines.Select(b => new object[] { b.Name });

        private static string SourceOf(string name) => Networks.Baselines.Single(b => b.Name == name).Source;

        [Theory]
        [MemberData(nameof(Names))]
        public void Generated_code_matches_the_approved_baseline(string name)
        {
            var run = GeneratorHarness.RunGeneratorOnly(SourceOf(name));
            Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Describe(run.GeneratorDiagnostics));
            var source = Assert.Single(run.Sources);
            Baseline.Verify(name, source.Source);
        }

        [Theory]
        [MemberData(nameof(Names))]
        public void Generated_code_compiles_without_warnings(string name)
        {
            var run = GeneratorHarness.Run(SourceOf(name));
            Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Describe(run.GeneratorDiagnostics));
            Assert.Single(run.Sources);
            // Every diagnostic of warning severity or above (the harness keeps only those), including
            // nullable warnings, which the harness enables.
            Assert.True(run.CompilationDiagnostics.IsEmpty, GeneratorHarness.Describe(run.CompilationDiagnostics));
        }

        [Theory]
        [MemberData(nameof(Names))]
        public void Generation_is_deterministic(string name)
        {
            var first = GeneratorHarness.RunGeneratorOnly(SourceOf(name));
            var second = GeneratorHarness.RunGeneratorOnly(SourceOf(name));
            Assert.Equal(first.Sources.Select(s => s.HintName), second.Sources.Select(s => s.HintName));
            Assert.Equal(first.Sources.Select(s => s.Source), second.Sources.Select(s => s.Source));
        }

        [Fact]
        public void All_baseline_networks_in_one_compilation_compile_together()
        {
            // Two Fashion networks share a namespace; the nested and global ones must not collide with anything.
            var run = GeneratorHarness.Run(Networks.Baselines.Select(b => b.Source).ToArray());
            Assert.True(run.GeneratorDiagnostics.IsEmpty, GeneratorHarness.Describe(run.GeneratorDiagnostics));
            Assert.Equal(
                new[] { "InternalMlp.g.cs", "Samples.Fashion.MaxPoolNet.g.cs", "Samples.Fashion.NoMaxPoolNet.g.cs", "Samples.Graphs.InceptionNet.g.cs", "Samples.Graphs.TinyResNet.g.cs", "Samples.Mnist.SimpleCnn.g.cs", "Samples.Vocabulary.StridedGroupedNet.g.cs", "Zoo.NestedAdaptiveNet.g.cs" },
                run.Sources.Select(s => s.HintName).OrderBy(n => n, System.StringComparer.Ordinal));
            Assert.True(run.CompilationDiagnostics.IsEmpty, GeneratorHarness.Describe(run.CompilationDiagnostics));
        }

        [Fact]
        public void Diff_names_the_first_differing_lines()
        {
            string? diff = Baseline.Diff("a\nb\nc\n", "a\nB\nc\n");
            Assert.NotNull(diff);
            Assert.Contains("@@ line 2 @@\n- b\n+ B\n", diff);
            Assert.Null(Baseline.Diff("same\n", "same\n"));
        }
    }
}
