using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace CnnGen.CodeFixes
{
    /// <summary>Finds and rewrites one constructor argument of a layer attribute, written by name or by position.</summary>
    internal static class AttributeArguments
    {
        /// <summary>
        /// The argument that binds to <paramref name="parameter"/>: a named one (<c>padding: 1</c>) or the positional
        /// one at the parameter's index in the constructor the attribute binds to. Null when it is not written.
        /// </summary>
        public static AttributeArgumentSyntax? Find(AttributeSyntax attribute, string parameter, SemanticModel model)
        {
            if (attribute.ArgumentList is null)
                return null;
            var arguments = attribute.ArgumentList.Arguments;
            var named = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameter);
            if (named is not null)
                return named;

            var symbolInfo = model.GetSymbolInfo(attribute);
            var constructor = symbolInfo.Symbol as IMethodSymbol
                ?? (symbolInfo.CandidateSymbols.Length == 1 ? symbolInfo.CandidateSymbols[0] as IMethodSymbol : null);
            if (constructor is null)
                return null;
            int index = constructor.Parameters.Select(p => p.Name).ToList().IndexOf(parameter);
            var positional = arguments.TakeWhile(a => a.NameColon is null && a.NameEquals is null).ToList();
            return index >= 0 && index < positional.Count ? positional[index] : null;
        }

        /// <summary>
        /// The attribute with <paramref name="parameter"/> set to <paramref name="value"/>: rewritten where it is
        /// written, otherwise added as a named argument after the constructor arguments (before any
        /// <c>Property = …</c> assignment, which C# requires to come last).
        /// </summary>
        public static AttributeSyntax Set(AttributeSyntax attribute, string parameter, ExpressionSyntax value, SemanticModel model)
        {
            var existing = Find(attribute, parameter, model);
            if (existing is not null)
                return attribute.ReplaceNode(existing.Expression, value.WithTriviaFrom(existing.Expression));

            var added = AttributeArgument(null, NameColon(IdentifierName(parameter)), value);
            var list = attribute.ArgumentList ?? AttributeArgumentList();
            var arguments = list.Arguments;
            int at = arguments.IndexOf(a => a.NameEquals is not null);
            arguments = at < 0 ? arguments.Add(added) : arguments.Insert(at, added);
            return attribute.WithArgumentList(list.WithArguments(arguments));
        }

        /// <summary>A number or <c>true</c> as the analyzer wrote it in <c>Diagnostic.Properties</c>.</summary>
        public static ExpressionSyntax Literal(string text) => ParseExpression(text);

        /// <summary>The attribute a diagnostic's span lies in (the attribute itself, its name or one of its arguments).</summary>
        public static AttributeSyntax? Enclosing(SyntaxNode root, Microsoft.CodeAnalysis.Text.TextSpan span)
            => root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>();
    }
}
