using PtxLint.Tests.Support;

namespace PtxLint.Tests.Packaging;

/// <summary>
/// build/Version.targets: the version comes from the git history (a tag vX.Y.Z, commits after it, or the commit
/// count), so each commit builds a new version that `dotnet tool update` picks up; a tree without .git builds 0.1.0.
/// Run on a tiny project that imports the real targets file, in a scratch git repository.
/// </summary>
public sealed class VersionTests
{
    private static string Project(string dir) =>
        File.Exists(Path.Combine(dir, "v.proj")) ? Path.Combine(dir, "v.proj") : WriteProject(dir);

    private static string WriteProject(string dir)
    {
        var path = Path.Combine(dir, "v.proj");
        File.WriteAllText(path, $"""
            <Project>
              <PropertyGroup><RepoRoot>$(MSBuildThisFileDirectory)</RepoRoot></PropertyGroup>
              <Import Project="{Path.Combine(Repo.Root, "build", "Version.targets")}" />
              <Target Name="Show" DependsOnTargets="PtxLintVersion" />
            </Project>
            """);
        return path;
    }

    private static string Get(string dir, string property, params string[] extra)
    {
        var r = ProcessRunner.Run("dotnet", dir, new[] { "msbuild", Project(dir), "-t:Show", $"-getProperty:{property}", "-nologo" }.Concat(extra));
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Trim();
    }

    [Fact]
    public void Version_follows_the_git_history_and_falls_back_without_git()
    {
        using var tmp = new TempDir();
        var dir = tmp.Path;
        Assert.Equal("0.1.0", Get(dir, "Version")); // no .git: a source archive
        Assert.Equal("0.1.0", Get(dir, "InformationalVersion"));

        var env = new Dictionary<string, string?>
        {
            ["HOME"] = dir, ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_AUTHOR_NAME"] = "T", ["GIT_AUTHOR_EMAIL"] = "t@example.com", ["GIT_COMMITTER_NAME"] = "T", ["GIT_COMMITTER_EMAIL"] = "t@example.com",
        };
        void Git(params string[] args) { var r = ProcessRunner.Run("git", dir, args, env); Assert.True(r.ExitCode == 0, r.ToString()); }
        Git("init", "-q", "-b", "main");
        Git("commit", "-q", "--allow-empty", "-m", "one");
        Git("commit", "-q", "--allow-empty", "-m", "two");
        Assert.Equal("0.1.2", Get(dir, "Version"));
        Assert.Equal("0.1.2", Get(dir, "PackageVersion"));
        Assert.Equal("0.1.2.0", Get(dir, "AssemblyVersion"));
        Assert.Matches(@"^0\.1\.2\+[0-9a-f]{12}$", Get(dir, "InformationalVersion"));
        Git("commit", "-q", "--allow-empty", "-m", "three");
        Assert.Equal("0.1.3", Get(dir, "Version")); // a new commit, a new version: dotnet tool update sees it

        Git("tag", "v0.2.0");
        Assert.Equal("0.2.0", Get(dir, "Version"));
        Git("commit", "-q", "--allow-empty", "-m", "four");
        Git("commit", "-q", "--allow-empty", "-m", "five");
        Assert.Equal("0.2.2", Get(dir, "Version"));
        Git("tag", "not-a-version");
        Assert.Equal("0.2.2", Get(dir, "Version"));
        Assert.Equal("7.0.1", Get(dir, "Version", "-p:PtxLintVersion=7.0.1"));
    }
}
