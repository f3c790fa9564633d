"""Turns README.md's C# snippets into files a consumer project compiles, so every snippet is checked as printed.

Each ```csharp block becomes Snippet<N>.cs: its `using` lines at the top of the file, its [Network] class
declarations at top level, and its statements inside a method that is compiled but never run (the snippets need
data the check does not have). Skipped: the block between the consumer-program markers (it is the project's
Program.cs) and a block right after a line `<!-- excerpt -->` (generated code shown in part).
Usage: readme_snippets.py README.md OUT_DIR
"""
import os
import re
import sys


def blocks(readme):
    lines = open(readme, encoding="utf-8").read().split("\n")
    i, excerpt, in_program = 0, False, False
    while i < len(lines):
        line = lines[i].strip()
        if line == "<!-- consumer-program -->":
            in_program = True
        elif line == "<!-- /consumer-program -->":
            in_program = False
        elif line == "<!-- excerpt -->":
            excerpt = True
        elif line == "```csharp":
            end = lines.index("```", i + 1)
            if not excerpt and not in_program:
                yield i + 1, lines[i + 1:end]
            excerpt = False
            i = end
        elif line:
            excerpt = False
        i += 1


def split(body):
    usings, types, statements, in_type = [], [], [], False
    for line in body:
        if re.match(r"using [A-Za-z.]+;", line):
            usings.append(line)
        elif in_type or line.startswith("["):
            types.append(line)
            in_type = not re.search(r"\bclass \w+\s*;", line)
        else:
            statements.append(line)
    return usings, types, statements


if __name__ == "__main__":
    readme, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    count = 0
    for start, body in blocks(readme):
        count += 1
        usings, types, statements = split(body)
        with open(os.path.join(out, f"Snippet{count}.cs"), "w", encoding="utf-8") as f:
            f.write(f"// README.md line {start}\n")
            f.write("\n".join(usings) + "\n\n")
            f.write("\n".join(types) + "\n\n")
            f.write(f"static class ReadmeSnippet{count}\n{{\n    static void Compiled()\n    {{\n")
            f.write("\n".join("        " + s for s in statements))
            f.write("\n    }\n}\n")
    print(f"{count} README snippets")
