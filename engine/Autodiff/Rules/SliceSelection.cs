namespace NasiOnnx.Engine.Autodiff.Rules;

/// <summary>Which positions of one axis a Slice reads: the first, the step between them, and how many.</summary>
internal readonly record struct SliceSelection(long Start, long Step, long Count)
{
    /// <summary>Per axis of <paramref name="shape"/>, the positions ONNX's Slice reads (its clamping rules, any step
    /// sign); axes not sliced are read whole. Missing axes mean 0, 1, …; missing steps mean 1.</summary>
    public static SliceSelection[] Of(long[] shape, long[] starts, long[] ends, long[]? axes, long[]? steps)
    {
        var rank = shape.Length;
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        var result = shape.Select(d => new SliceSelection(0, 1, d)).ToArray();
        for (var k = 0; k < axes.Length; k++)
        {
            var axis = (int)(axes[k] < 0 ? axes[k] + rank : axes[k]);
            var dim = shape[axis];
            var step = steps[k];
            if (step == 0) throw new ArgumentException("a Slice step of 0");
            long start = starts[k] < 0 ? starts[k] + dim : starts[k];
            long end = ends[k] < 0 ? ends[k] + dim : ends[k];
            long count;
            if (step > 0)
            {
                start = Math.Clamp(start, 0, dim);
                end = Math.Clamp(end, 0, dim);
                count = Math.Max(0, (end - start + step - 1) / step);
            }
            else
            {
                start = Math.Clamp(start, -1, dim - 1);
                end = Math.Clamp(end, -1, dim - 1);
                count = Math.Max(0, (start - end + (-step) - 1) / -step);
            }
            result[axis] = new SliceSelection(start, step, count);
        }
        return result;
    }
}
