using System.Diagnostics;
using System.Text;

namespace Pipeline.Cli.Tests;

/// <summary>
/// <c>dotnet pipeline.dll apply …</c> as a separate process (so it can be killed like kill -9), with its output
/// captured. pipeline.dll is the CLI assembly copied next to the tests by the project reference.
/// </summary>
internal sealed class ApplyProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ApplyProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Path of the CLI assembly.</summary>
    public static string CliPath => typeof(CliApp).Assembly.Location;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the CLI with <paramref name="args"/>; the connection goes through PIPELINE_CONNECTION.</summary>
    public static ApplyProcess Start(string connectionString, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PIPELINE_CONNECTION"] = connectionString;
        start.Environment["CI"] = "true";
        return new ApplyProcess(Process.Start(start)!);
    }

    /// <summary>Kills the process and its children at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }

        _process.WaitForExit(10_000);
    }

    /// <summary>Sends SIGTERM, as a CI system does when a job is cancelled (handled like Ctrl+C). Not SIGINT: a process
    /// started from a background job inherits SIGINT as ignored, so SIGINT would test the environment, not the tool.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits for a normal exit and returns the exit code.</summary>
    /// <exception cref="TimeoutException">The process is still running after <paramref name="timeout"/>; the message
    /// holds its output so far (the process is left for <see cref="Dispose"/> to kill).</exception>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"still running after {timeout.TotalSeconds:0} s; its output so far:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
