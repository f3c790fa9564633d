using System.Text;

namespace CnnGen.Generator.Emit
{
    /// <summary>Writes C# with indentation handled once, so emitters read like the code they produce.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _sb = new StringBuilder();
        private int _indent;

        public void Line(string text = "")
        {
            if (text.Length > 0) _sb.Append(' ', _indent * 4).Append(text);
            _sb.Append('\n');
        }

        /// <summary>Writes "{" and indents; dispose the result (or call <see cref="Close"/>) to write "}".</summary>
        public void Open(string header)
        {
            Line(header);
            Line("{");
            _indent++;
        }

        public void Close(string suffix = "")
        {
            _indent--;
            Line("}" + suffix);
        }

        public void Comment(string text) => Line("// " + text);

        /// <summary>
        /// Writes an XML doc summary; each line of <paramref name="text"/> becomes a doc line. The text is XML
        /// already (it may hold &lt;paramref&gt; tags): callers escape what they take from user code.
        /// </summary>
        public void Summary(string text)
        {
            if (text.IndexOf('\n') < 0)
            {
                Line("/// <summary>" + text + "</summary>");
                return;
            }
            Line("/// <summary>");
            foreach (var line in text.Split('\n'))
                Line("/// " + line.TrimEnd('\r'));
            Line("/// </summary>");
        }

        public static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        public override string ToString() => _sb.ToString();
    }
}
