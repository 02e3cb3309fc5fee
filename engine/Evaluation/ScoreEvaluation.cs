namespace NasiOnnx.Engine.Evaluation;

/// <summary>
/// Joins a scores table to a ground-truth table by architecture id and correlates every score column with every
/// accuracy column, with and without the candidates a filter rejects (e.g. cells with no input→output path).
/// </summary>
public sealed class ScoreEvaluation
{
    public sealed record Joined(string Id, bool Kept, IReadOnlyDictionary<string, double> Scores, IReadOnlyDictionary<string, double> Truths);

    public IReadOnlyList<Joined> Rows { get; }
    public IReadOnlyList<string> ScoreColumns { get; }
    public IReadOnlyList<string> TruthColumns { get; }
    public int UnmatchedScores { get; }

    private ScoreEvaluation(IReadOnlyList<Joined> rows, IReadOnlyList<string> scores, IReadOnlyList<string> truths, int unmatched)
    {
        Rows = rows; ScoreColumns = scores; TruthColumns = truths; UnmatchedScores = unmatched;
    }

    /// <param name="scores">Scores with an id column ("id", "arch", "arch_str").</param>
    /// <param name="truth">Ground truth with an id column ("arch_str", "arch", "id").</param>
    /// <param name="scoreColumns">Score columns to evaluate (truth columns such as params_m may be named too: peers).</param>
    /// <param name="truthColumns">Accuracy columns of the truth table.</param>
    /// <param name="canonicalId">Maps an id to its canonical form (e.g. a parsed cell string); null if unparsable.</param>
    /// <param name="keep">False for candidates left out of the "connected" correlations.</param>
    public static ScoreEvaluation Join(CsvTable scores, CsvTable truth, IReadOnlyList<string> scoreColumns,
        IReadOnlyList<string> truthColumns, Func<string, string?> canonicalId, Func<string, bool> keep)
    {
        var sid = scores.Require("id", "arch", "arch_str");
        var tid = truth.Require("arch_str", "arch", "id");
        var status = scores.IndexOf("status");
        var truthById = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var row in truth.Rows)
            if (canonicalId(row[tid]) is { } id) truthById.TryAdd(id, row);

        // A score column may come from either table: the truth table's peers (params, NASWOT) are evaluated alike.
        double Get(string column, string[] scoreRow, string[] truthRow)
        {
            var i = scores.IndexOf(column);
            if (i >= 0) return CsvTable.Number(scoreRow[i]);
            var j = truth.IndexOf(column);
            if (j >= 0) return CsvTable.Number(truthRow[j]);
            throw new NasiException($"column '{column}' is in neither {scores.Source} nor {truth.Source}");
        }
        foreach (var c in truthColumns) truth.Require(c);

        var joined = new List<Joined>();
        var unmatched = 0;
        foreach (var row in scores.Rows)
        {
            // A partial row (some metric n/a, e.g. jacob_cov on a cell without input→output path) keeps its other
            // metrics; only a row that failed altogether is left out. Missing values are skipped metric by metric.
            if (status >= 0 && row[status].StartsWith("error", StringComparison.Ordinal)) continue;
            var id = canonicalId(row[sid]);
            if (id is null || !truthById.TryGetValue(id, out var t)) { unmatched++; continue; }
            joined.Add(new Joined(id, keep(id),
                scoreColumns.ToDictionary(c => c, c => Get(c, row, t)),
                truthColumns.ToDictionary(c => c, c => CsvTable.Number(t[truth.IndexOf(c)]))));
        }
        if (joined.Count < 2)
            throw new NasiException($"only {joined.Count} scored candidates match {truth.Source}: the ids must be cell strings of that table");
        return new ScoreEvaluation(joined, scoreColumns, truthColumns, unmatched);
    }

    public IReadOnlyList<CorrelationRow> Correlations()
    {
        var result = new List<CorrelationRow>();
        foreach (var s in ScoreColumns)
            foreach (var t in TruthColumns)
            {
                // ±∞ ranks (NASWOT's log-determinant of a singular kernel is −∞: the lowest score); NaN is missing.
                var all = Rows.Where(r => !double.IsNaN(r.Scores[s]) && double.IsFinite(r.Truths[t])).ToList();
                var kept = all.Where(r => r.Kept).ToList();
                (double, double) Corr(List<Joined> rows) => rows.Count < 2
                    ? (double.NaN, double.NaN)
                    : (RankCorrelation.Spearman(rows.Select(r => r.Scores[s]).ToList(), rows.Select(r => r.Truths[t]).ToList()),
                       RankCorrelation.Kendall(rows.Select(r => r.Scores[s]).ToList(), rows.Select(r => r.Truths[t]).ToList()));
                var (rho, tau) = Corr(all);
                var (rhoK, tauK) = Corr(kept);
                result.Add(new CorrelationRow(s, t, all.Count, rho, tau, kept.Count, rhoK, tauK));
            }
        return result;
    }
}
