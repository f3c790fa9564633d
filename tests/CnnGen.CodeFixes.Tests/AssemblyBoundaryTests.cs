using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace CnnGen.CodeFixes.Tests
{
    /// <summary>
    /// The compiler loads an assembly from analyzers/ only when it declares an analyzer or a generator. So Roslyn
    /// Workspaces stays out of the compiler as long as the code fixes declare neither and the generator assembly
    /// (which the compiler does load) does not reference Workspaces.
    /// </summary>
    public class AssemblyBoundaryTests
    {
        private static readonly Assembly CodeFixes = typeof(MakePartialCodeFix).Assembly;

        [Fact]
        public void The_code_fix_assembly_declares_no_analyzer_and_no_generator()
        {
            var compilerFacing = CodeFixes.GetTypes().Where(t =>
                typeof(DiagnosticAnalyzer).IsAssignableFrom(t) || typeof(ISourceGenerator).IsAssignableFrom(t)
                || typeof(IIncrementalGenerator).IsAssignableFrom(t)
                || t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any() || t.GetCustomAttributes<GeneratorAttribute>().Any());
            Assert.Empty(compilerFacing);
        }

        [Fact]
        public void The_generator_assembly_does_not_reference_workspaces()
        {
            var generator = Assembly.Load("CnnGen.Generator");
            var references = generator.GetReferencedAssemblies().Select(a => a.Name).ToList();
            Assert.Contains("Microsoft.CodeAnalysis", references);
            Assert.DoesNotContain(references, name => name!.Contains("Workspaces"));
        }

        [Theory]
        [InlineData("CNN0001", typeof(MakePartialCodeFix))]
        [InlineData("CNN0004", typeof(FitArgumentCodeFix))]
        [InlineData("CNN0005", typeof(FitArgumentCodeFix))]
        [InlineData("CNN0007", typeof(InsertFlattenCodeFix))]
        [InlineData("CNN0008", typeof(KeepUnreadInputCodeFix))]
        [InlineData("CNN0010", typeof(RenameLayerCodeFix))]
        public void Each_fixable_id_has_one_exported_provider(string id, System.Type expected)
        {
            var providers = CodeFixes.GetTypes()
                .Where(t => t.GetCustomAttribute<ExportCodeFixProviderAttribute>()?.Languages.Contains(LanguageNames.CSharp) == true)
                .Where(t => ((CodeFixProvider)System.Activator.CreateInstance(t)!).FixableDiagnosticIds.Contains(id))
                .ToList();
            Assert.Equal(new[] { expected }, providers);
        }
    }
}
