using System;
using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.Generator.Tests.Infrastructure
{
    /// <summary>An expected diagnostic: its id (null when the marker gave none) and its span in the unmarked source.</summary>
    public sealed record ExpectedSpan(string? Id, TextSpan Span);

    /// <summary>
    /// Source text with the expected diagnostic spans marked in it, as in Roslyn's and the MVVM toolkit's tests:
    /// <c>{|CNN0005:7 * 7 * 64|}</c> marks a span with the id expected there, <c>[|…|]</c> a span without one.
    /// Markers do not nest.
    /// </summary>
    public sealed class MarkedSource
    {
        private MarkedSource(string source, IReadOnlyList<ExpectedSpan> spans)
        {
            Source = source;
            Spans = spans;
        }

        /// <summary>The source with every marker removed: what the compiler sees.</summary>
        public string Source { get; }

        /// <summary>The marked spans, in source order, as offsets into <see cref="Source"/>.</summary>
        public IReadOnlyList<ExpectedSpan> Spans { get; }

        public static MarkedSource Parse(string marked)
        {
            var sb = new StringBuilder(marked.Length);
            var spans = new List<ExpectedSpan>();
            int i = 0;
            while (i < marked.Length)
            {
                if (Starts(marked, i, "[|"))
                {
                    int end = marked.IndexOf("|]", i + 2, StringComparison.Ordinal);
                    if (end < 0) throw new FormatException($"Marker '[|' at offset {i} is never closed with '|]'.");
                    AddSpan(null, marked.Substring(i + 2, end - i - 2));
                    i = end + 2;
                }
                else if (Starts(marked, i, "{|"))
                {
                    int colon = marked.IndexOf(':', i + 2);
                    int end = marked.IndexOf("|}", i + 2, StringComparison.Ordinal);
                    if (colon < 0 || end < 0 || colon > end)
                        throw new FormatException($"Marker '{{|' at offset {i} must read {{|ID:text|}}.");
                    AddSpan(marked.Substring(i + 2, colon - i - 2), marked.Substring(colon + 1, end - colon - 1));
                    i = end + 2;
                }
                else
                {
                    sb.Append(marked[i]);
                    i++;
                }
            }
            return new MarkedSource(sb.ToString(), spans);

            void AddSpan(string? id, string text)
            {
                if (text.Contains("[|", StringComparison.Ordinal) || text.Contains("{|", StringComparison.Ordinal))
                    throw new FormatException("Span markers do not nest.");
                spans.Add(new ExpectedSpan(id, new TextSpan(sb.Length, text.Length)));
                sb.Append(text);
            }
        }

        private static bool Starts(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;
    }
}
