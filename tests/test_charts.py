import altair as alt
import pandas as pd
import pytest

from cs360lib.publish import charts


@pytest.fixture(autouse=True)
def _restore_altair():
    theme, renderer = alt.theme.active, alt.renderers.active
    yield
    alt.theme.enable(theme)
    alt.renderers.enable(renderer)


def _chart() -> alt.Chart:
    df = pd.DataFrame({"beat": ["A1", "A2", "B1"], "calls": [12, 7, 30]})
    return alt.Chart(df).mark_bar().encode(x="beat:N", y="calls:Q", color="beat:N")


def test_theme_registered_on_import():
    assert charts.THEME_NAME == "cs360"
    assert "cs360" in alt.theme.names()


def test_enable_theme_applies_palette_and_font():
    assert charts.enable_theme() == "cs360"
    assert alt.theme.active == "cs360"
    svg = charts.chart_to_svg(_chart())
    for colour in charts.PALETTE[:3]:
        assert colour in svg
    spec = _chart().to_dict()
    assert spec["config"]["range"]["category"] == list(charts.PALETTE)
    assert "Arial" in spec["config"]["font"]


def test_register_theme_is_idempotent():
    charts.register_theme()
    charts.register_theme()
    assert alt.theme.names().count("cs360") == 1


def test_palette_is_hex_and_distinct():
    assert len(set(charts.PALETTE)) == len(charts.PALETTE) >= 8
    assert all(c.startswith("#") and len(c) == 7 for c in charts.PALETTE)


def test_svg_renderer_embeds_svg():
    assert charts.enable_renderer("svg") == "svg"
    bundle = _chart()._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert list(bundle) == ["image/svg+xml"]
    assert bundle["image/svg+xml"].lstrip().startswith("<svg")


def test_png_renderer_embeds_png():
    assert charts.enable_renderer("png") == "png"
    bundle = _chart()._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "image/png" in bundle
    assert not any("vegalite" in key or key == "text/html" for key in bundle)


def test_unknown_renderer_is_refused():
    with pytest.raises(ValueError, match="chart_renderer must be one of svg, png"):
        charts.enable_renderer("html")


def test_chart_to_png_bytes():
    assert charts.chart_to_png(_chart(), scale=1).startswith(b"\x89PNG")


def _axis_labels(chart: alt.TopLevelMixin) -> list[str]:
    """The tick labels of every axis of a chart, as vl-convert lays it out."""
    import vl_convert as vlc
    from chart_layout import text_boxes

    charts.enable_theme()
    scene = vlc.vegalite_to_scenegraph(chart.to_dict(), vl_version=charts._vl_version())
    return [b.text for b in text_boxes(scene) if b.role == "axis-label"]


def test_count_axis_has_whole_number_ticks():
    df = pd.DataFrame({"what": ["a", "b"], "n": [1, 3]})
    plain = alt.Chart(df).mark_bar().encode(y="what:N", x="n:Q")
    assert any("." in t for t in _axis_labels(plain))  # the control: Vega draws 0.5 steps
    counted = alt.Chart(df).mark_bar().encode(y="what:N", x=alt.X("n:Q", axis=charts.count_axis()))
    ticks = [t for t in _axis_labels(counted) if t not in ("a", "b")]
    assert ticks and all(t.isdigit() for t in ticks), ticks
    big = pd.DataFrame({"what": ["a"], "n": [12_500]})
    wide = alt.Chart(big).mark_bar().encode(y="what:N", x=alt.X("n:Q", axis=charts.count_axis()))
    assert "10,000" in _axis_labels(wide)
    assert charts.count_axis(3).to_dict()["values"] == [0, 1, 2, 3]


def test_message_chart_is_a_sentence_with_the_title():
    chart = charts.message_chart("No row was rejected.", title="Why rows were rejected")
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "text" and spec["title"] == "Why rows were rejected"
    assert _axis_labels(chart) == []  # no axis over no data
    assert "No row was rejected." in charts.chart_to_svg(chart)


def test_panel_header_sits_above_the_panel():
    header = charts.PANEL_HEADER.to_dict()
    assert header["labelOrient"] == "top" and header["labelAngle"] == 0


def test_interactive_charts_draw_without_a_cdn():
    # JupyterLab on a closed network: the widget's JavaScript is bundled (vl-convert), not
    # loaded from a CDN, and the output keeps the spec an exported report draws as SVG
    assert charts.enable_renderer(interactive=True) == charts.INTERACTIVE_RENDERER
    assert alt.renderers.active == charts.INTERACTIVE_RENDERER
    bundle, _ = alt.renderers.get()(_chart().to_dict())
    assert "application/vnd.jupyter.widget-view+json" in bundle
    spec = bundle["application/vnd.vegalite.v6+json"]
    assert spec["mark"]["type"] == "bar" and "text/html" not in bundle
    from altair import JupyterChart

    assert JupyterChart._is_offline
    assert "cdn.jsdelivr" not in JupyterChart._esm and "https://" not in JupyterChart._esm[:2000]


def test_a_chart_shown_again_is_drawn_once_and_the_same(monkeypatch):
    charts.enable_renderer("svg")
    memo = charts._MEMOIZED["svg"]
    memo.kept.clear()
    drawn = []
    draw = memo.draw
    monkeypatch.setattr(memo, "draw", lambda spec, **kw: drawn.append(1) or draw(spec, **kw))
    first = _chart()._repr_mimebundle_()
    again = _chart()._repr_mimebundle_()  # the same spec: the stakeholder and analyst copies
    assert len(drawn) == 1 and first == again
    first = first[0] if isinstance(first, tuple) else first
    first["image/svg+xml"] = "changed"
    assert "<svg" in str(_chart()._repr_mimebundle_())  # a copy is handed out, not the kept one
    other = _chart().properties(title="Another chart")._repr_mimebundle_()
    assert len(drawn) == 2 and other != again
    for i in range(charts.DRAWINGS_KEPT + 1):  # the oldest drawing is dropped
        _chart().properties(title=f"chart {i}")._repr_mimebundle_()
    assert len(memo.kept) == charts.DRAWINGS_KEPT
