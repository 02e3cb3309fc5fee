using NasiOnnx.Engine.Search;

namespace NasiOnnx.Models.Studies;

/// <summary>Where a study is: searches finished of the total, the last one finished, and the running search's own progress.</summary>
public sealed record StudyProgress(int Done, int Total, int Resumed, StudyRun? Finished, NasiSearchProgress? Search, int Samples, ulong Seed);
