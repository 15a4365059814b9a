using System.Text;
using System.Text.RegularExpressions;

namespace PtxLint.Engine;

/// <summary>
/// A path glob on '/'-separated relative paths: <c>*</c> (within a segment), <c>?</c>, <c>[abc]</c>,
/// <c>**</c> (any number of segments, zero included). Case-sensitive, like the file systems PTX lives on.
/// </summary>
public sealed class Glob
{
    private readonly Regex _regex;

    public Glob(string pattern)
    {
        Pattern = pattern.Replace('\\', '/');
        if (Pattern.StartsWith("./", StringComparison.Ordinal)) Pattern = Pattern[2..];
        _regex = new Regex("^" + ToRegex(Pattern) + "$", RegexOptions.CultureInvariant);
    }

    public string Pattern { get; }

    public static bool HasWildcards(string path) => path.IndexOfAny(new[] { '*', '?', '[' }) >= 0;

    public bool Matches(string relativePath) => _regex.IsMatch(relativePath.Replace('\\', '/'));

    /// <summary>True when a directory that holds the path matches (so excluding <c>build</c> excludes <c>build/a.ptx</c>).</summary>
    public bool MatchesDirectoryOf(string relativePath)
    {
        var p = relativePath.Replace('\\', '/');
        for (int i = p.IndexOf('/'); i > 0; i = p.IndexOf('/', i + 1))
            if (_regex.IsMatch(p[..i])) return true;
        return false;
    }

    private static string ToRegex(string pattern)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*')
            {
                bool dbl = i + 1 < pattern.Length && pattern[i + 1] == '*';
                if (dbl)
                {
                    bool atSegStart = i == 0 || pattern[i - 1] == '/';
                    i++;
                    if (atSegStart && i + 1 < pattern.Length && pattern[i + 1] == '/') { sb.Append("(?:[^/]*/)*"); i++; }
                    else sb.Append(".*");
                }
                else sb.Append("[^/]*");
            }
            else if (c == '?') sb.Append("[^/]");
            else if (c == '[')
            {
                int end = pattern.IndexOf(']', i + 1);
                if (end < 0) { sb.Append(@"\["); continue; }
                var body = pattern.Substring(i + 1, end - i - 1);
                if (body.StartsWith('!')) body = "^" + body[1..];
                sb.Append('[').Append(body.Replace(@"\", @"\\")).Append(']');
                i = end;
            }
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.ToString();
    }
}

/// <summary>Turns command-line paths (files, directories, quoted globs) into a sorted list of files.</summary>
public static class InputExpander
{
    /// <summary>
    /// Files named directly are taken whatever their extension; directories are searched recursively for
    /// <c>*.ptx</c>; globs (<c>'build/**/*.ptx'</c>) are expanded here, so quoting them works on every shell.
    /// </summary>
    public static (List<string> Files, List<InputError> Errors) Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        var errors = new List<InputError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string f)
        {
            var full = Path.GetFullPath(f);
            if (seen.Add(full)) files.Add(full);
        }

        foreach (var raw in paths)
        {
            if (string.IsNullOrWhiteSpace(raw)) { errors.Add(new InputError(raw, "empty path")); continue; }
            if (Glob.HasWildcards(raw) && !File.Exists(raw))
            {
                var matched = ExpandGlob(raw, errors);
                if (matched.Count == 0 && !errors.Any(e => e.Path == raw)) errors.Add(new InputError(raw, "no files match the pattern"));
                foreach (var m in matched) Add(m);
            }
            else if (Directory.Exists(raw))
            {
                int found = 0, errorsBefore = errors.Count;
                foreach (var f in Walk(Path.GetFullPath(raw), errors))
                    if (f.EndsWith(".ptx", StringComparison.OrdinalIgnoreCase)) { found++; Add(f); }
                if (found == 0 && errors.Count == errorsBefore)
                    errors.Add(new InputError(raw, "no *.ptx files")
                    {
                        Message = $"no *.ptx files in directory '{raw}' (directories are searched recursively for *.ptx; symbolic links to directories are not followed)",
                    });
            }
            else if (File.Exists(raw)) Add(raw);
            else errors.Add(new InputError(raw, "No such file or directory"));
        }
        files.Sort(StringComparer.Ordinal);
        return (files, errors);
    }

    private static List<string> ExpandGlob(string pattern, List<InputError> errors)
    {
        var norm = pattern.Replace('\\', '/');
        var segments = norm.Split('/');
        int firstWild = Array.FindIndex(segments, Glob.HasWildcards);
        string baseDir = firstWild == 0 ? "." : string.Join('/', segments[..firstWild]);
        if (baseDir.Length == 0) baseDir = "/"; // pattern like /**/*.ptx
        var rest = string.Join('/', segments[firstWild..]);
        if (!Directory.Exists(baseDir)) { errors.Add(new InputError(pattern, $"directory '{baseDir}' does not exist")); return new(); }
        var glob = new Glob(rest);
        var fullBase = Path.GetFullPath(baseDir);
        var result = new List<string>();
        foreach (var f in Walk(fullBase, errors))
        {
            var rel = Path.GetRelativePath(fullBase, f).Replace(Path.DirectorySeparatorChar, '/');
            if (glob.Matches(rel)) result.Add(f);
        }
        return result;
    }

    /// <summary>All files under <paramref name="dir"/>, recursively; unreadable directories become errors.</summary>
    private static IEnumerable<string> Walk(string dir, List<InputError> errors)
    {
        var stack = new Stack<string>();
        stack.Push(dir);
        while (stack.Count > 0)
        {
            var d = stack.Pop();
            string[] files, dirs;
            try
            {
                files = Directory.GetFiles(d);
                dirs = Directory.GetDirectories(d);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(new InputError(d, e is UnauthorizedAccessException ? "Permission denied" : e.Message));
                continue;
            }
            foreach (var f in files) yield return f;
            foreach (var sub in dirs.OrderByDescending(x => x, StringComparer.Ordinal))
            {
                var name = Path.GetFileName(sub);
                if (name is ".git" or "node_modules") continue;
                // Do not follow symlinked directories (cycles).
                try { if (new DirectoryInfo(sub).LinkTarget is not null) continue; } catch (IOException) { }
                stack.Push(sub);
            }
        }
    }
}
