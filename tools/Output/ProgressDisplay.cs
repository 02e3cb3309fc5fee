using NasiOnnx.Engine.Ranking;
using Spectre.Console;

namespace NasiOnnx.Tools.Output;

/// <summary>
/// Shows a ranking run's progress on stderr: a live bar with count, rate and ETA on a terminal, plain lines (one
/// per finished candidate) when stderr is a file or a pipe.
/// </summary>
public sealed class ProgressDisplay : IProgress<RankingProgress>, IDisposable
{
    private readonly TextWriter _err;
    private readonly bool _interactive;
    private readonly string _metric;
    private readonly Task? _live;
    private readonly CancellationTokenSource _stop = new();
    private RankingProgress? _latest;

    public ProgressDisplay(TextWriter err, bool interactive, string title, string metric)
    {
        _err = err;
        _interactive = interactive;
        _metric = metric;
        if (!interactive) return;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        _live = console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                while (true)
                {
                    if (Volatile.Read(ref _latest) is { } p)
                    {
                        task.MaxValue = Math.Max(1, p.Planned);
                        task.Value = p.Done;
                        task.Description = Markup.Escape($"{title} {p.Done}/{p.Planned} ({p.RatePerMinute:F1}/min, {p.Failed} failed)");
                    }
                    if (_stop.IsCancellationRequested) break;
                    try { await Task.Delay(200, _stop.Token); } catch (OperationCanceledException) { }
                }
            });
    }

    public void Report(RankingProgress value)
    {
        Volatile.Write(ref _latest, value);
        if (_interactive) return;
        if (value.Last is null)
        {
            _err.WriteLine($"scoring {value.Planned} candidates ({value.Resumed} already done)");
            return;
        }
        var row = value.Last;
        var score = double.IsNaN(row.Metric(_metric)) ? "" : $" {_metric}={row.Metric(_metric):G6}";
        var eta = value.Remaining is { } r ? $", eta {r:hh\\:mm\\:ss}" : "";
        lock (_err) _err.WriteLine($"[{value.Done}/{value.Planned}] {row.Id}:{score} {row.Status} ({row.Seconds:F2} s{eta})");
    }

    public void Dispose()
    {
        _stop.Cancel();
        _live?.GetAwaiter().GetResult();
        _stop.Dispose();
    }
}
