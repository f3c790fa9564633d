using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace CnnGen.Generator.Tests
{
    /// <summary>
    /// The generator's pipeline models are equatable, so an edit that does not touch a network must leave its
    /// spec Cached or Unchanged and produce no new source, and an edit to a layer attribute must re-emit.
    /// </summary>
    public class IncrementalTests
    {
        private const string Unrelated = "namespace Other;\n\npublic class Unrelated\n{\n    public int Value { get; set; }\n}\n";

        private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
        {
            var compilation = GeneratorHarness.CreateCompilation(Networks.SimpleCnn, Unrelated);
            var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
            var first = driver.GetRunResult().Results.Single();
            Assert.Single(first.GeneratedSources);
            Assert.All(Reasons(first, NetworkGenerator.TrackingNames.Spec), r => Assert.Equal(IncrementalStepRunReason.New, r));
            return (driver, compilation);
        }

        private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"no tracked step '{step}'");
            return result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        }

        private static IEnumerable<IncrementalStepRunReason> OutputReasons(GeneratorRunResult result)
            => result.TrackedOutputSteps.SelectMany(kv => kv.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

        private static void AssertNothingNew(GeneratorDriver before, GeneratorDriver after)
        {
            var result = after.GetRunResult().Results.Single();
            var spec = Reasons(result, NetworkGenerator.TrackingNames.Spec).ToList();
            Assert.NotEmpty(spec);
            Assert.All(spec, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"spec step: {r}"));
            // The source outputs did not run again, so no source was produced anew.
            Assert.All(OutputReasons(result), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output step: {r}"));
            Assert.Equal(
                before.GetRunResult().Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()),
                result.GeneratedSources.Select(s => s.SourceText.ToString()));
        }

        [Fact]
        public void Adding_an_unrelated_syntax_tree_reuses_the_spec()
        {
            var (driver, compilation) = FirstRun();
            var next = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Another { }", GeneratorHarness.ParseOptions, path: "Another.cs"));
            AssertNothingNew(driver, driver.RunGenerators(next));
        }

        [Fact]
        public void Editing_an_unrelated_class_reuses_the_spec()
        {
            var (driver, compilation) = FirstRun();
            var old = compilation.SyntaxTrees.Single(t => t.FilePath == "Source1.cs");
            var edited = CSharpSyntaxTree.ParseText(Unrelated.Replace("public int Value { get; set; }", "public int Value { get; set; }\n    public string Name => \"x\";", System.StringComparison.Ordinal),
                GeneratorHarness.ParseOptions, path: "Source1.cs");
            AssertNothingNew(driver, driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited)));
        }

        [Fact]
        public void Adding_a_member_to_the_network_class_body_leaves_the_spec_unchanged()
        {
            // The transform runs again (its file changed) but yields an equal spec, so nothing downstream runs.
            var (driver, compilation) = FirstRun();
            var old = compilation.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
            var edited = CSharpSyntaxTree.ParseText(Networks.SimpleCnn.Replace("public partial class SimpleCnn;", "public partial class SimpleCnn\n{\n    public int Epochs { get; set; }\n}", System.StringComparison.Ordinal),
                GeneratorHarness.ParseOptions, path: "Source0.cs");
            var after = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
            Assert.Contains(IncrementalStepRunReason.Unchanged, Reasons(after.GetRunResult().Results.Single(), NetworkGenerator.TrackingNames.Spec));
            AssertNothingNew(driver, after);
        }

        [Fact]
        public void Editing_a_layer_attribute_produces_new_output()
        {
            var (driver, compilation) = FirstRun();
            var old = compilation.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
            var edited = CSharpSyntaxTree.ParseText(Networks.SimpleCnn.Replace("[Linear(128, 10)]", "[Linear(128, 5)]", System.StringComparison.Ordinal),
                GeneratorHarness.ParseOptions, path: "Source0.cs");
            var after = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
            var result = after.GetRunResult().Results.Single();
            Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(result, NetworkGenerator.TrackingNames.Spec));
            Assert.Contains(IncrementalStepRunReason.Modified, OutputReasons(result));
            string source = Assert.Single(result.GeneratedSources).SourceText.ToString();
            Assert.Contains("public const int OutputSize = 5;", source, System.StringComparison.Ordinal);
        }

        [Fact]
        public void Lines_inserted_above_the_network_leave_every_output_cached()
        {
            // Diagnostics come from the analyzer, so the generator's spec holds no source locations: moving the network
            // down the file changes nothing it depends on.
            var (driver, compilation) = FirstRun();
            var old = compilation.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
            var edited = CSharpSyntaxTree.ParseText("// A comment\n// and another, moving every line down\n\n" + Networks.SimpleCnn,
                GeneratorHarness.ParseOptions, path: "Source0.cs");
            AssertNothingNew(driver, driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited)));
        }
    }
}
