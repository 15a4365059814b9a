using System.Text.RegularExpressions;
using PtxLint.Tests.Support;

namespace PtxLint.Tests.Packaging;

/// <summary>
/// A fact that needs the real pre-commit framework and a git checkout: skipped, with the reason shown, only when one
/// is missing (.ci/run installs Debian's pre-commit package when it can).
/// </summary>
public sealed class PreCommitFrameworkFactAttribute : FactAttribute
{
    public PreCommitFrameworkFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "the fresh-clone pre-commit check runs bash and git hooks: not on Windows";
        else if (!OnPath("pre-commit")) Skip = "the pre-commit framework is not installed (apt-get install pre-commit): the fresh-clone pre-commit check did not run";
        else if (!OnPath("git") || !Path.Exists(Path.Combine(Repo.Root, ".git"))) Skip = "not a git checkout (or no git): there is nothing to clone";
    }

    internal static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, tool)));
}

/// <summary>
/// Issue 14's fresh-clone check: clone the repository, follow only the README (install the .NET tool with its
/// commands; put its pre-commit snippet, pinned to the clone's commit, into a scratch repository), and see the real
/// pre-commit framework block a commit of a bad PTX file and let the fixed one through. The clone is of the committed
/// HEAD, as a new user gets it; uncommitted changes of the working tree are not in it.
/// </summary>
public sealed class FreshClonePreCommitTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(10);

    /// <summary>The first fenced block of <paramref name="lang"/> after the heading <paramref name="heading"/>.</summary>
    internal static string Block(string readme, string heading, string lang)
    {
        int at = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(at >= 0, $"README has no '{heading}' section");
        var m = new Regex("```" + lang + @"\n(?<body>.*?)```", RegexOptions.Singleline).Match(readme, at);
        Assert.True(m.Success, $"README's '{heading}' section has no ```{lang} block");
        return m.Groups["body"].Value;
    }

    [PreCommitFrameworkFact]
    public void From_a_fresh_clone_the_readme_installs_the_tool_and_its_pre_commit_hook_blocks_a_bad_commit()
    {
        using var tmp = new TempDir();
        var env = new Dictionary<string, string?>
        {
            ["PRE_COMMIT_HOME"] = Path.Combine(tmp.Path, "pre-commit-cache"), // a fresh install of the hook environment
            ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1", // no user hooksPath or signing
            ["GIT_AUTHOR_NAME"] = "New User", ["GIT_AUTHOR_EMAIL"] = "new@example.com",
            ["GIT_COMMITTER_NAME"] = "New User", ["GIT_COMMITTER_EMAIL"] = "new@example.com",
        };
        ProcessRunner.Result Run(string dir, string file, params string[] args) => ProcessRunner.Run(file, dir, args, env, Slow);

        // 1. A fresh clone.
        var clone = Path.Combine(tmp.Path, "ptxlint");
        var r = Run(tmp.Path, "git", "clone", "-q", Repo.Root, clone);
        Assert.True(r.ExitCode == 0, r.ToString());
        var head = Run(clone, "git", "rev-parse", "HEAD").Stdout.Trim();
        var readme = File.ReadAllText(Path.Combine(clone, "README.md")).Replace("\r\n", "\n");

        // 2. README ".NET tool": its commands, as written, in the clone.
        var install = Block(readme, "### .NET tool", "sh").Split('\n').Select(l => Regex.Replace(l, @"\s+#.*$", "").Trim()).Where(l => l.Length > 0).ToList();
        Assert.Contains(install, l => l.StartsWith("dotnet tool install", StringComparison.Ordinal));
        foreach (var line in install)
        {
            r = Run(clone, "bash", "-c", line);
            Assert.True(r.ExitCode == 0, $"README command `{line}` failed:\n{r}");
        }
        Assert.Matches(@"^ptxlint \d+\.\d+\.\d+\s*$", r.Stdout); // the last command: .ptxlint/ptxlint --version
        var status = Run(clone, "git", "status", "--porcelain");
        Assert.True(status.Stdout.Trim().Length == 0, "the README's install leaves untracked files:\n" + status.Stdout);

        // 3. README "pre-commit": its snippet in a scratch repository, repo pointing at the clone, rev at its commit.
        var snippet = Block(readme, "### pre-commit", "yaml");
        Assert.Matches(@"rev: [0-9a-f]{40}\b", snippet);
        var config = Regex.Replace(snippet, @"repo: \S+", "repo: " + clone);
        config = Regex.Replace(config, @"rev: \S+", "rev: " + head);
        var scratch = Path.Combine(tmp.Path, "scratch");
        Directory.CreateDirectory(scratch);
        Assert.Equal(0, Run(scratch, "git", "init", "-q", "-b", "main").ExitCode);
        File.WriteAllText(Path.Combine(scratch, ".pre-commit-config.yaml"), config);
        r = Run(scratch, "pre-commit", "install");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(0, Run(scratch, "git", "add", ".pre-commit-config.yaml").ExitCode);
        r = Run(scratch, "git", "commit", "-q", "-m", "pre-commit config"); // installs the hook environment (dotnet pack)
        Assert.True(r.ExitCode == 0, r.ToString());

        // 4. A bad kernel is blocked, with the finding printed.
        var build = Path.Combine(scratch, "build");
        Directory.CreateDirectory(build);
        File.WriteAllText(Path.Combine(build, "k.ptx"), ".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry k()\n{\n    mov.u32 %r1 %r2;\n    ret;\n}\n");
        Assert.Equal(0, Run(scratch, "git", "add", "build/k.ptx").ExitCode);
        r = Run(scratch, "git", "commit", "-q", "-m", "bad kernel");
        Assert.True(r.ExitCode != 0, "the bad commit went through:\n" + r);
        Assert.Matches(@"ptxlint\.+Failed", r.All);
        Assert.Contains("build/k.ptx:6:17: error PTX000: ", r.All);
        Assert.Equal("pre-commit config", Run(scratch, "git", "log", "-1", "--format=%s").Stdout.Trim());

        // 5. Fixed, it goes through.
        File.WriteAllText(Path.Combine(build, "k.ptx"), ".version 8.0\n.target sm_90\n.address_size 64\n.visible .entry k()\n{\n    ret;\n}\n");
        Assert.Equal(0, Run(scratch, "git", "add", "build/k.ptx").ExitCode);
        r = Run(scratch, "git", "commit", "-q", "-m", "good kernel");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"ptxlint\.+Passed", r.All);
        Assert.Equal("good kernel", Run(scratch, "git", "log", "-1", "--format=%s").Stdout.Trim());
    }
}
