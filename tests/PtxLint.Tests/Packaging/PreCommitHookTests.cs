using PtxLint.Tests.Support;

namespace PtxLint.Tests.Packaging;

/// <summary>
/// <c>.pre-commit-hooks.yaml</c> declares the hook pre-commit users reference; <c>hooks/pre-commit</c> is the plain
/// git hook for everyone else. The plain hook is run for real: a git repository in a temp folder, the hook in
/// <c>.git/hooks/pre-commit</c>, PTXLINT pointing at the built CLI.
/// </summary>
public sealed class PreCommitHookTests
{
    /// <summary>The hook list as key -> raw value; a line-based reader of the flat mapping pre-commit expects.</summary>
    internal static List<Dictionary<string, string>> ReadHooks(string yaml)
    {
        var hooks = new List<Dictionary<string, string>>();
        Dictionary<string, string>? cur = null;
        foreach (var raw in yaml.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#') || line.Trim().Length == 0) continue;
            if (line.StartsWith("- ", StringComparison.Ordinal))
            {
                cur = new Dictionary<string, string>(StringComparer.Ordinal);
                hooks.Add(cur);
                line = "  " + line[2..];
            }
            Assert.True(cur is not null && line.StartsWith("  ", StringComparison.Ordinal), $"unexpected line: {line}");
            var body = line.Trim();
            int colon = body.IndexOf(": ", StringComparison.Ordinal);
            Assert.True(colon > 0, $"not a 'key: value' line: {line}");
            var key = body[..colon];
            Assert.False(cur!.ContainsKey(key), $"duplicate key {key}");
            cur[key] = body[(colon + 2)..].Trim();
        }
        return hooks;
    }

    [Fact]
    public void Pre_commit_hooks_yaml_declares_the_ptxlint_hook()
    {
        var hooks = ReadHooks(File.ReadAllText(Path.Combine(Repo.Root, ".pre-commit-hooks.yaml")));
        var h = Assert.Single(hooks);
        Assert.Equal("ptxlint", h["id"]);
        Assert.Equal("ptxlint", h["name"]);
        Assert.False(string.IsNullOrWhiteSpace(h["description"]));
        Assert.Equal("dotnet", h["language"]);
        Assert.Equal("ptxlint analyze", h["entry"]);
        Assert.Equal(@"\.ptx$", h["files"]);
        Assert.Equal("[file]", h["types"]);
        Assert.Equal("false", h["require_serial"]);
        // The files pattern is a regex that matches .ptx paths and nothing else.
        var re = new System.Text.RegularExpressions.Regex(h["files"]);
        Assert.Matches(re, "build/k.ptx");
        Assert.DoesNotMatch(re, "build/k.ptx.launch.json");
        Assert.DoesNotMatch(re, "src/k.cu");
    }

    [Fact]
    public void Readme_shows_the_pre_commit_config_and_the_plain_hook()
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        Assert.Contains(".pre-commit-config.yaml", readme);
        Assert.Contains($"- repo: {PtxLint.Diagnostics.ToolInfo.InformationUri}", readme);
        // rev: a full commit hash (this repository has no release tag): it must be a commit that has the hook definition.
        var rev = System.Text.RegularExpressions.Regex.Match(readme, @"\n\s+rev: (?<rev>[0-9a-f]{40})\b");
        Assert.True(rev.Success, "README's pre-commit snippet must pin rev to a full commit hash");
        if (System.IO.Path.Exists(Path.Combine(Repo.Root, ".git")))
        {
            var shallow = ProcessRunner.Run("git", Repo.Root, new[] { "rev-parse", "--is-shallow-repository" }).Stdout.Trim() == "true";
            var show = ProcessRunner.Run("git", Repo.Root, new[] { "cat-file", "-e", rev.Groups["rev"].Value + ":.pre-commit-hooks.yaml" });
            Assert.True(show.ExitCode == 0 || shallow, $"README's rev {rev.Groups["rev"].Value} is not a commit of this repository with .pre-commit-hooks.yaml:\n{show}");
        }
        Assert.Matches(@"\n\s+hooks:\s*\n\s+- id: ptxlint", readme);
        Assert.Contains("hooks/pre-commit .git/hooks/pre-commit", readme);
        Assert.Contains("git diff --cached --name-only --diff-filter=ACM -z", File.ReadAllText(Path.Combine(Repo.Root, "hooks", "pre-commit")));
    }

    [Fact]
    public void Plain_hook_blocks_a_commit_with_a_bad_file_and_passes_a_good_one()
    {
        if (OperatingSystem.IsWindows()) return; // a bash hook
        var dll = Path.Combine(AppContext.BaseDirectory, "PtxLint.Cli.dll");
        Assert.True(File.Exists(dll), dll);
        using var tmp = new TempDir();
        var repo = Path.Combine(tmp.Path, "repo");
        Directory.CreateDirectory(repo);
        var env = new Dictionary<string, string?>
        {
            ["PTXLINT"] = $"dotnet {dll}",
            ["HOME"] = tmp.Path, // no user git config (hooksPath, signing ...)
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_AUTHOR_NAME"] = "Test", ["GIT_AUTHOR_EMAIL"] = "test@example.com",
            ["GIT_COMMITTER_NAME"] = "Test", ["GIT_COMMITTER_EMAIL"] = "test@example.com",
        };
        ProcessRunner.Result Git(params string[] args) => ProcessRunner.Run("git", repo, args, env);

        Assert.Equal(0, Git("init", "-q", "-b", "main").ExitCode);
        var hook = Path.Combine(repo, ".git", "hooks", "pre-commit");
        Directory.CreateDirectory(Path.GetDirectoryName(hook)!);
        File.Copy(Path.Combine(Repo.Root, "hooks", "pre-commit"), hook, overwrite: true);
        File.SetUnixFileMode(hook, File.GetUnixFileMode(hook) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);

        // A commit without .ptx files does not run ptxlint at all.
        File.WriteAllText(Path.Combine(repo, "notes.txt"), "hello\n");
        Assert.Equal(0, Git("add", "notes.txt").ExitCode);
        var r = Git("commit", "-q", "-m", "text only");
        Assert.True(r.ExitCode == 0, r.ToString());

        // A staged good file passes.
        Directory.CreateDirectory(Path.Combine(repo, "build"));
        File.Copy(Path.Combine(Repo.Samples, "vector_add.ptx"), Path.Combine(repo, "build", "vector_add.ptx"));
        Assert.Equal(0, Git("add", "build/vector_add.ptx").ExitCode);
        r = Git("commit", "-q", "-m", "good kernel");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1 file, 0 errors", r.All);

        // A staged bad file (a syntax error: PTX000, level error) blocks the commit with a compiler-style line.
        File.WriteAllText(Path.Combine(repo, "build", "broken kernel.ptx"),
            ".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry k()\n{\n    mov.u32 %r1 %r2;\n    ret;\n}\n");
        Assert.Equal(0, Git("add", "build/broken kernel.ptx").ExitCode);
        r = Git("commit", "-q", "-m", "bad kernel");
        Assert.True(r.ExitCode != 0, "the commit should be blocked:\n" + r);
        Assert.Contains("build/broken kernel.ptx:6:17: error PTX000: ", r.All);
        Assert.Contains("commit blocked", r.All);
        Assert.Equal("good kernel", Git("log", "-1", "--format=%s").Stdout.Trim());

        // Fixing it lets the commit through; the fail level can be lowered to let it through too.
        File.WriteAllText(Path.Combine(repo, "build", "broken kernel.ptx"),
            ".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry k()\n{\n    ret;\n}\n");
        Assert.Equal(0, Git("add", "build/broken kernel.ptx").ExitCode);
        r = Git("commit", "-q", "-m", "fixed kernel");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("fixed kernel", Git("log", "-1", "--format=%s").Stdout.Trim());

        // A missing command blocks the commit with a clear message rather than passing silently.
        File.AppendAllText(Path.Combine(repo, "build", "vector_add.ptx"), "\n");
        Assert.Equal(0, Git("add", "build/vector_add.ptx").ExitCode);
        env["PTXLINT"] = Path.Combine(tmp.Path, "no-such-ptxlint");
        r = Git("commit", "-q", "-m", "no linter");
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("command not found", r.All);
    }
}
