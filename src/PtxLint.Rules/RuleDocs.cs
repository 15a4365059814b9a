namespace PtxLint.Rules;

/// <summary>The rules' docs pages (docs/rules/PTXnnn.md), embedded in this assembly: SARIF help.markdown and `ptxlint explain`.</summary>
public static class RuleDocs
{
    public static string Load(string id)
    {
        using var s = typeof(RuleDocs).Assembly.GetManifestResourceStream($"PtxLint.Rules.Docs.{id}.md");
        if (s is null) return $"# {id}\n\nSee docs/rules/{id}.md.";
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
