using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CnnGen.CodeFixes
{
    /// <summary>The code action most fixes are: replace the layer attribute a diagnostic points at with a rewritten one.</summary>
    internal static class AttributeRewrite
    {
        public static void Register(CodeFixContext context, Diagnostic diagnostic, string title,
            Func<AttributeSyntax, SemanticModel, AttributeSyntax> rewrite)
        {
            context.RegisterCodeFix(
                CodeAction.Create(title, token => ApplyAsync(context.Document, diagnostic, rewrite, token), equivalenceKey: title),
                diagnostic);
        }

        /// <summary>Offers "Write parameter: value": the argument rewritten where it is written, added where it is not.</summary>
        public static void RegisterSetArgument(CodeFixContext context, Diagnostic diagnostic, string parameter, string value)
            => Register(context, diagnostic, $"Write {parameter}: {value}",
                (attribute, model) => AttributeArguments.Set(attribute, parameter, AttributeArguments.Literal(value), model));

        private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic,
            Func<AttributeSyntax, SemanticModel, AttributeSyntax> rewrite, CancellationToken token)
        {
            var root = await document.GetSyntaxRootAsync(token).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(token).ConfigureAwait(false);
            var attribute = root is null ? null : AttributeArguments.Enclosing(root, diagnostic.Location.SourceSpan);
            if (root is null || model is null || attribute is null)
                return document;
            return document.WithSyntaxRoot(root.ReplaceNode(attribute, rewrite(attribute, model)));
        }
    }
}
