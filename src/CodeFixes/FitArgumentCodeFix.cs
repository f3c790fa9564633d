using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace CnnGen.CodeFixes
{
    /// <summary>CNN0004 / CNN0005: write the channels or features that arrive, e.g. <c>Linear(3000, 128)</c> → <c>Linear(3136, 128)</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FitArgumentCodeFix)), Shared]
    public sealed class FitArgumentCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DiagnosticIds.ChannelMismatch, DiagnosticIds.LinearMismatch);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (var diagnostic in context.Diagnostics)
            {
                if (DiagnosticIds.TryGetArgument(diagnostic, out var parameter, out var value))
                    AttributeRewrite.RegisterSetArgument(context, diagnostic, parameter, value);
            }
            return Task.CompletedTask;
        }
    }
}
