using PtxLint.Tests.Support;

namespace PtxLint.Tests.Packaging;

/// <summary>
/// The build needs Java 17+ (the ANTLR tool compiles grammar/) and, at the first build, npm (the tool jar comes from
/// `npm pack antlr4ng-cli@2.0.0`, build/Antlr.targets). Without them the build stops with an error that says what is
/// missing (README "Set up"), not a stack trace or "exited with code 127". Run on the real targets with a PATH that
/// holds only sh, readlink and tar.
/// </summary>
public sealed class BuildPrerequisiteTests
{
    private static (TempDir Tmp, string Project, Dictionary<string, string?> Env) Setup()
    {
        var tmp = new TempDir();
        var bin = Path.Combine(tmp.Path, "bin");
        Directory.CreateDirectory(bin);
        foreach (var tool in new[] { "sh", "readlink", "tar" })
        {
            var real = new[] { "/bin", "/usr/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
            Assert.True(real is not null, $"{tool} not found in /bin or /usr/bin");
            File.CreateSymbolicLink(Path.Combine(bin, tool), real!);
        }
        var project = tmp.Write("p.proj", $"""
            <Project>
              <PropertyGroup><RepoRoot>{tmp.Path}/</RepoRoot></PropertyGroup>
              <Import Project="{Path.Combine(Repo.Root, "build", "Antlr.targets")}" />
            </Project>
            """);
        var env = new Dictionary<string, string?> { ["PATH"] = bin, ["JAVA_HOME"] = null, ["HOME"] = tmp.Path };
        return (tmp, project, env);
    }

    private static ProcessRunner.Result MsBuild(string project, IDictionary<string, string?> env, params string[] args) =>
        ProcessRunner.Run(DotnetHost(), Path.GetDirectoryName(project)!, new[] { "msbuild", project, "-nologo" }.Concat(args), env);

    /// <summary>The dotnet executable itself (the tests strip PATH).</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h
        : Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");

    [Fact]
    public void Without_java_the_build_says_java_17_is_needed()
    {
        if (OperatingSystem.IsWindows()) return; // sh-based targets
        var (tmp, project, env) = Setup();
        using (tmp)
        {
            var r = MsBuild(project, env, "-t:PtxCheckJava");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("PtxLint: Java (17 or newer) is needed to compile the ANTLR grammar; put java on PATH or set JAVA_HOME.", r.Stdout);
            var oldJava = tmp.Write("bin/java", "#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n");
            File.SetUnixFileMode(oldJava, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            r = MsBuild(project, env, "-t:PtxCheckJava");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains($"PtxLint: Java 17 or newer is needed to compile the ANTLR grammar; {oldJava} is Java 11.", r.Stdout);
        }
    }

    [Fact]
    public void Without_npm_the_first_build_says_npm_is_needed()
    {
        if (OperatingSystem.IsWindows()) return;
        var (tmp, project, env) = Setup();
        using (tmp)
        {
            var r = MsBuild(project, env, "-t:PtxFetchAntlrJar");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("PtxLint: npm is needed once, at the first build, to fetch the ANTLR 4.13 tool jar (npm pack antlr4ng-cli@2.0.0 from the npm registry)", r.Stdout);
            Assert.DoesNotContain("exited with code 127", r.Stdout);
        }
    }
}
