using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace CnnGen.CodeFixes
{
    /// <summary>
    /// CNN0008: a window leaves rows and columns unread. Offers each change the analyzer found that reads them:
    /// the padding that makes the windows tile the input, and for pooling <c>ceilMode: true</c> (a last, partial window).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(KeepUnreadInputCodeFix)), Shared]
    public sealed class KeepUnreadInputCodeFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnreadInput);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (var diagnostic in context.Diagnostics)
            {
                if (diagnostic.Properties.TryGetValue(DiagnosticIds.PaddingKey, out var padding) && !string.IsNullOrEmpty(padding))
                    AttributeRewrite.RegisterSetArgument(context, diagnostic, "padding", padding!);
                if (diagnostic.Properties.TryGetValue(DiagnosticIds.CeilModeKey, out var ceilMode) && ceilMode == "true")
                    AttributeRewrite.RegisterSetArgument(context, diagnostic, "ceilMode", "true");
            }
            return Task.CompletedTask;
        }
    }
}
