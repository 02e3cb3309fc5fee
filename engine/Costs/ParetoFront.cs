namespace NasiOnnx.Engine.Costs;

/// <summary>
/// The non-dominated candidates of a cost–score plane (maximise score, minimise cost) and the 2-D hypervolume of a
/// front. A point is dominated when another has a score at least as high and a cost at least as low, one of the two
/// strictly; of identical points the first given is kept.
/// </summary>
public static class ParetoFront
{
    /// <summary>The front, cheapest first (so scores rise along it). Points with a non-finite score or cost are left out.</summary>
    public static IReadOnlyList<ParetoPoint> Of(IEnumerable<ParetoPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        // Cheapest first, and at one cost the best score first (the given order breaks full ties): a sweep then keeps
        // each point that beats the best score seen at any lower or equal cost.
        var sorted = points.Select((p, i) => (p, i)).Where(x => double.IsFinite(x.p.Score) && double.IsFinite(x.p.Cost))
            .OrderBy(x => x.p.Cost).ThenByDescending(x => x.p.Score).ThenBy(x => x.i).Select(x => x.p);
        var front = new List<ParetoPoint>();
        foreach (var p in sorted)
            if (front.Count == 0 || p.Score > front[^1].Score) front.Add(p);
        return front;
    }

    /// <summary>
    /// The area of the region that some point of <paramref name="points"/> dominates, inside the box from
    /// (cost ≤ <paramref name="referenceCost"/>, score ≥ <paramref name="referenceScore"/>): Σ over the front, cheapest
    /// first, of (next point's cost − this cost) · (this score − reference score), the last up to the reference cost.
    /// Points beyond the reference (costlier, or scoring below it) add nothing.
    /// </summary>
    public static double Hypervolume(IEnumerable<ParetoPoint> points, double referenceCost, double referenceScore)
    {
        var front = Of(points).Where(p => p.Cost <= referenceCost && p.Score > referenceScore).ToList();
        double area = 0;
        for (var i = 0; i < front.Count; i++)
        {
            var next = i + 1 < front.Count ? front[i + 1].Cost : referenceCost;
            area += (next - front[i].Cost) * (front[i].Score - referenceScore);
        }
        return area;
    }
}
