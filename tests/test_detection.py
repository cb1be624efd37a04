"""The detector's rules (refractory time, overlap suppression) and its scores against the truth."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from datasets_fixtures import write_wav

from audiolab import evaluate
from audiolab.cli import main
from audiolab.deploy import StreamingDetector
from audiolab.errors import AudiolabError, ParameterError
from audiolab.evaluate import DetectionScores, detection_scores, read_truth

SR = 16000
WINDOW = 3200  # 0.2 s: reported intervals reach 0.1 s beyond the deciding windows
HOP = 1600  # 0.1 s: window k is centred at 0.1 * (k + 1) s
NAMES = ["a", "b", "_silence_"]


class Scripted:
    """A fake predictor without TensorFlow: hands out the posteriors of a script, window by window."""

    class_names = NAMES
    sr = SR
    n_samples = WINDOW

    def __init__(self, script: str, scores: dict[str, float] | None = None):
        self.rows = []
        for letter in script:  # "a", "b" or "." (silence), each with its score
            p = np.zeros(3, np.float32)
            if letter == ".":
                p[2] = 1.0
            else:
                i = NAMES.index(letter)
                p[i] = (scores or {}).get(letter, 0.9)
                p[2] = 1 - p[i]
            self.rows.append(p)
        self.k = 0

    def predict_proba(self, clips):
        n = len(clips)
        out = np.asarray(self.rows[self.k : self.k + n])
        self.k += n
        return out


def recording(script: str) -> np.ndarray:
    """A loud signal with exactly one window per letter of the script."""
    return np.ones(WINDOW + (len(script) - 1) * HOP, np.float32) * 0.1


def detect(script: str, scores=None, **options) -> list[dict]:
    detector = StreamingDetector(Scripted(script, scores), hop=0.1, smoothing=1,
                                 threshold=0.5, min_rms=0.0, **options)
    return detector.process(recording(script)).detections


def live(script: str, scores=None, block: int = 1000, **options) -> list[list[dict]]:
    """What each push (and the final flush) returned."""
    detector = StreamingDetector(Scripted(script, scores), hop=0.1, smoothing=1,
                                 threshold=0.5, min_rms=0.0, **options)
    y = recording(script)
    returned = [detector.push(y[i : i + block]) for i in range(0, len(y), block)]
    return [*returned, detector.flush()]


def spans(detections: list[dict]) -> list[tuple]:
    return [(d["label"], d["start"], d["end"]) for d in detections]


# -- refractory time ------------------------------------------------------------------------


def test_defaults_keep_every_detection():
    detector = StreamingDetector(Scripted("a"))
    assert detector.refractory == 0.0 and detector.suppress_overlaps is False
    assert spans(detect("aaa..bb...")) == [("a", 0.0, 0.4), ("b", 0.5, 0.8)]
    assert spans(detect("aaabbbb...")) == [("a", 0.0, 0.4), ("b", 0.3, 0.8)]
    assert detect("aaabbbb...", refractory=0.0, suppress_overlaps=False) == detect("aaabbbb...")


def test_refractory_time_delays_or_drops_the_next_detection():
    # "a" ends after window 2 (0.3 s): the first window after it, 0.4 s, starts the quiet time
    assert spans(detect("aaa..bb...", refractory=0.3)) == [("a", 0.0, 0.4), ("b", 0.6, 0.8)]
    assert spans(detect("aaa..bb...", refractory=0.5)) == [("a", 0.0, 0.4)]
    # a word that changes at once is held back too, and so is the same word again
    assert spans(detect("aaabbbb...", refractory=0.2)) == [("a", 0.0, 0.4), ("b", 0.5, 0.8)]
    assert spans(detect("aa.aa.....", refractory=0.2)) == [("a", 0.0, 0.3), ("a", 0.4, 0.6)]
    assert spans(detect("aa.aa.....", refractory=0.3)) == [("a", 0.0, 0.3)]
    assert spans(detect("aa.aa.....")) == [("a", 0.0, 0.3), ("a", 0.3, 0.6)]


# -- overlapping detections of different words --------------------------------------------


def test_overlapping_words_keep_the_higher_score():
    assert spans(detect("aaabbbb...", {"a": 0.9, "b": 0.7}, suppress_overlaps=True)) == [
        ("a", 0.0, 0.4)]
    assert spans(detect("aaabbbb...", {"a": 0.7, "b": 0.9}, suppress_overlaps=True)) == [
        ("b", 0.3, 0.8)]
    # a tie keeps the earlier one; detections that only touch both stay
    assert spans(detect("aaabbbb...", {"a": 0.8, "b": 0.8}, suppress_overlaps=True)) == [
        ("a", 0.0, 0.4)]
    assert spans(detect("aa..bb....", suppress_overlaps=True)) == [
        ("a", 0.0, 0.3), ("b", 0.4, 0.7)]
    # the same word twice is not an overlap of different words
    assert spans(detect("aa.aa.....", suppress_overlaps=True)) == [
        ("a", 0.0, 0.3), ("a", 0.3, 0.6)]
    # a chain: a loses to b, which beats the next a
    chain = detect("aabbbaa...", {"a": 0.7, "b": 0.9}, suppress_overlaps=True)
    assert spans(chain) == [("b", 0.2, 0.6)]


def test_both_rules_work_on_a_live_stream_and_agree_with_a_whole_recording():
    script, scores = "aaabbbb....aa.....bb..", {"a": 0.9, "b": 0.7}
    for options in ({"suppress_overlaps": True}, {"refractory": 0.3},
                    {"refractory": 0.2, "suppress_overlaps": True}):
        for block in (700, 1600, 5000):
            returned = live(script, scores, block=block, **options)
            assert [d for part in returned for d in part] == detect(script, scores, **options)
    # a detection is held back until no later one can overlap it, then released by a push
    returned = live("aaa.......", block=HOP, suppress_overlaps=True)
    found = [i for i, part in enumerate(returned) if part]
    assert len(found) == 1 and found[0] < len(returned) - 1


def test_bad_rule_arguments_are_parameter_errors():
    for bad in (-0.1, float("nan"), "1", None):
        with pytest.raises(ParameterError, match="refractory"):
            StreamingDetector(Scripted("a"), refractory=bad)
    for bad in ("yes", 1, None):
        with pytest.raises(ParameterError, match="suppress_overlaps"):
            StreamingDetector(Scripted("a"), suppress_overlaps=bad)


# -- the command ----------------------------------------------------------------------------


def test_stream_command_takes_the_rules(tmp_path, monkeypatch, capsys):
    from audiolab.cli import deploy

    script, scores = "aaa..bb..aaabbbb...", {"a": 0.9, "b": 0.7}
    model = tmp_path / "m.tflite"
    model.write_bytes(b"TFL3")
    wav = write_wav(tmp_path / "long.wav", recording(script))
    monkeypatch.setattr(deploy, "open_model", lambda path: Scripted(script, scores))
    argv = ["stream", str(model), str(wav), "--json", "--smoothing", "1", "--threshold", "0.5"]
    outputs = {}
    for extra in ([], ["--refractory", "0.3"], ["--suppress-overlaps"]):
        assert main(argv + extra) == 0
        outputs[tuple(extra)] = json.loads(capsys.readouterr().out)["detections"]
    assert spans(outputs[()]) == spans(detect(script, scores))
    assert spans(outputs[("--refractory", "0.3")]) == spans(detect(script, scores, refractory=0.3))
    assert spans(outputs[("--suppress-overlaps",)]) == spans(
        detect(script, scores, suppress_overlaps=True))
    assert len({json.dumps(found) for found in outputs.values()}) == 3  # each option changes them
    assert set(outputs[()][0]) == {"start", "end", "label", "score"}
    with pytest.raises(SystemExit):
        main(["stream", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--refractory S" in text and "--suppress-overlaps" in text


@pytest.mark.parametrize(("value", "words"), [
    ("-1", "--refractory must be zero or positive, got -1.0"),
    ("soon", "--refractory must be"),
    ("inf", "--refractory must be"),
])
def test_stream_refuses_a_bad_refractory_time_in_one_line(tmp_path, capsys, value, words):
    model = tmp_path / "m.tflite"
    model.write_bytes(b"TFL3")
    wav = write_wav(tmp_path / "a.wav", np.zeros(SR, np.float32))
    assert main(["stream", str(model), str(wav), "--refractory", value]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audiolab: error: ") and captured.out == ""
    assert words in lines[0]


# -- scores against the truth ---------------------------------------------------------------


def event(start, end, label, score=0.9):
    return {"start": start, "end": end, "label": label, "score": score}


TRUTH = [event(1.0, 1.5, "yes"), event(4.0, 4.5, "no"), event(8.0, 8.4, "yes"),
         event(9.0, 9.8, "_silence_")]


def test_scores_on_known_answers():
    found = [event(0.7, 1.6, "yes"),  # hit
             event(1.8, 2.2, "yes"),  # the same event again (within tolerance): a false alarm
             event(4.1, 4.4, "yes"),  # the wrong word: a false alarm, "no" is missed
             event(9.1, 9.7, "yes")]  # 0.7 s after the "yes" at 8.4: outside 0.5 s tolerance
    scores = detection_scores(found, TRUTH, duration=120.0)
    assert isinstance(scores, DetectionScores)
    assert (scores.hits, scores.misses, scores.false_alarms, scores.n_events) == (1, 2, 3, 3)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.false_alarms_per_minute == pytest.approx(1.5)
    assert scores.false_alarms_per_hour == pytest.approx(90.0)
    assert scores.duration == 120.0
    # a wider tolerance reaches the last one
    assert detection_scores(found, TRUTH, duration=120.0, tolerance=0.8).hits == 2
    # tolerance 0: the intervals themselves must overlap
    assert detection_scores([event(1.6, 2.0, "yes")], TRUTH, duration=60, tolerance=0).hits == 0
    assert detection_scores([event(1.5, 2.0, "yes")], TRUTH, duration=60, tolerance=0).hits == 1


def test_two_detections_of_one_event_and_background_labels():
    found = [event(1.1, 1.4, "yes"), event(1.0, 1.3, "yes"), event(9.0, 9.5, "_silence_")]
    scores = detection_scores(found, TRUTH, duration=30.0)
    assert (scores.hits, scores.false_alarms, scores.misses) == (1, 1, 2)
    assert scores.false_alarms_per_minute == pytest.approx(2.0)
    perfect = detection_scores([event(1, 1.5, "yes"), event(4, 4.5, "no"), event(8, 8.4, "yes")],
                               TRUTH, duration=60)
    assert (perfect.recall, perfect.false_alarms, perfect.false_alarms_per_hour) == (1.0, 0, 0.0)
    nothing = detection_scores([], [], duration=10)
    assert math.isnan(nothing.recall) and nothing.n_events == 0


def test_false_alarm_sources_say_what_each_false_alarm_was_heard_in():
    truth = [*TRUTH, event(6.0, 6.5, "_unknown_"), event(12.0, 12.5, "no")]
    found = [event(0.7, 1.6, "yes"),    # hit: not a false alarm
             event(1.8, 2.2, "yes"),    # "yes" at 1.0-1.5 again
             event(4.1, 4.4, "yes"),    # "no" said: misheard
             event(5.9, 6.6, "no"),     # another word
             event(9.1, 9.7, "yes"),    # over the _silence_ burst (the "yes" at 8.4 is too far)
             event(20.0, 20.5, "no"),   # nothing near: background
             event(11.4, 12.1, "yes")]  # reaches into the "no" at 12.0-12.5: misheard
    sources = evaluate.false_alarm_sources(found, truth)
    assert list(sources) == list(evaluate.FALSE_ALARM_SOURCES)
    assert sources == {"other word": 1, "other keyword": 2, "repeat": 1, "background": 2}
    assert sum(sources.values()) == detection_scores(found, truth, duration=60).false_alarms
    # the matching is detection_scores': a wider tolerance turns the burst's "yes" into a hit
    wide = evaluate.false_alarm_sources(found, truth, tolerance=0.8)
    assert sum(wide.values()) == detection_scores(found, truth, duration=60, tolerance=0.8).false_alarms
    assert wide["background"] == 1
    assert evaluate.false_alarm_sources([], truth) == dict.fromkeys(evaluate.FALSE_ALARM_SOURCES, 0)
    with pytest.raises(ParameterError, match="tolerance"):
        evaluate.false_alarm_sources(found, truth, tolerance=-0.1)
    with pytest.raises(ParameterError, match=r"truth\[0\] ends"):
        evaluate.false_alarm_sources(found, [event(2, 1, "_unknown_")])


def test_false_alarm_words_name_what_was_said_and_what_was_detected():
    said = [{**event(6.0, 6.5, "_unknown_"), "text": "white"},
            {**event(7.0, 7.5, "_unknown_"), "text": "white"},
            {**event(12.0, 12.5, "_unknown_"), "text": "wow"},
            event(14.0, 14.5, "_unknown_"),                         # no text: named by its label
            {**event(9.0, 9.8, "_silence_"), "text": "breath"}]     # background: left out
    truth = [*TRUTH[:3], *said]
    found = [event(0.7, 1.6, "yes"),    # hit
             event(1.8, 2.2, "yes"),    # "yes" found again: left out
             event(4.1, 4.4, "yes"),    # "no" misheard
             event(5.9, 6.6, "no"), event(6.9, 7.4, "no"), event(11.9, 12.4, "no"),
             event(13.9, 14.6, "yes"),
             event(9.1, 9.7, "yes"),    # over the breath
             event(20.0, 20.5, "no")]   # nothing near
    assert evaluate.false_alarm_words(found, truth) == [
        ("white", "no", 2), ("_unknown_", "yes", 1), ("no", "yes", 1), ("wow", "no", 1)]
    sources = evaluate.false_alarm_sources(found, truth)
    assert sum(n for *_, n in evaluate.false_alarm_words(found, truth)) == (
        sources["other word"] + sources["other keyword"])
    assert evaluate.false_alarm_words([], truth) == []
    with pytest.raises(ParameterError, match="tolerance"):
        evaluate.false_alarm_words(found, truth, tolerance=-1)


@pytest.mark.parametrize(("detections", "truth", "options", "words"), [
    ([], TRUTH, {"duration": 0}, "duration must be positive"),
    ([], TRUTH, {"duration": float("nan")}, "duration"),
    ([], TRUTH, {"duration": 10, "tolerance": -1}, "tolerance must be zero or positive"),
    ([{"start": 1, "end": 2}], TRUTH, {"duration": 10}, "detections[0] must be a mapping"),
    ([], [event(2, 1, "yes")], {"duration": 10}, "truth[0] ends (1 s) before it starts (2 s)"),
    ([], [event("x", 1, "yes")], {"duration": 10}, "truth[0]['start']"),
    ([], "truth.csv", {"duration": 10}, "truth must be a list of mappings"),
    ([1], TRUTH, {"duration": 10}, "detections[0] must be a mapping"),
])
def test_bad_scores_input_is_a_parameter_error(detections, truth, options, words):
    with pytest.raises(ParameterError) as caught:
        detection_scores(detections, truth, **options)
    assert words in str(caught.value)


def test_read_truth(tmp_path):
    good = tmp_path / "scene.csv"
    good.write_text("label,start,end,speaker\nthree,7.1,8.0,x\nzero, 8.6 ,9.4,y\n")
    assert read_truth(good) == [{"start": 7.1, "end": 8.0, "label": "three"},
                                {"start": 8.6, "end": 9.4, "label": "zero"}]
    (tmp_path / "empty.csv").write_text("start,end,label\n")
    assert read_truth(tmp_path / "empty.csv") == []
    (tmp_path / "text.csv").write_text("start,end,label,text\n1,2,_unknown_, white \n3,4,yes,\n")
    assert [e["text"] for e in read_truth(tmp_path / "text.csv")] == ["white", ""]
    (tmp_path / "cols.csv").write_text("start,label\n1,yes\n")
    (tmp_path / "nan.csv").write_text("start,end,label\n1,soon,yes\n")
    for name, words in (("cols.csv", "it has no end"), ("nan.csv", "line 2"),
                        ("missing.csv", "no such file")):
        with pytest.raises(AudiolabError, match=words):
            read_truth(tmp_path / name)


# -- the curve over the threshold -------------------------------------------------------------


def test_replay_gives_what_process_gives_at_each_threshold():
    script = "aa...bbb..a..b"
    scores = {"a": 0.7, "b": 0.9}
    detector = StreamingDetector(Scripted(script, scores), hop=0.1, smoothing=2,
                                 threshold=0.5, min_rms=0.0)
    result = detector.process(recording(script))
    for threshold in (0.3, 0.5, 0.8, 0.95):
        fresh = StreamingDetector(Scripted(script, scores), hop=0.1, smoothing=2,
                                  threshold=threshold, min_rms=0.0)
        expected = fresh.process(recording(script)).detections
        assert detector.replay(result.times, result.posteriors, threshold=threshold) == expected
    assert detector.threshold == 0.5  # its own threshold is left alone
    with pytest.raises(ParameterError, match="posteriors must have shape"):
        detector.replay(result.times, result.posteriors[:, :2])


def test_detection_curve_trades_recall_for_false_alarms():
    # "a" said at 0.0-0.4 s (score 0.9) and 1.0-1.3 s (score 0.6); a false "b" at 0.5-0.7 s (0.7).
    script = "aaa..bb...aa"
    truth = [{"start": 0.1, "end": 0.3, "label": "a"}, {"start": 1.1, "end": 1.2, "label": "a"}]
    classifier = Scripted(script, {"a": 0.9, "b": 0.7})
    classifier.rows[10:] = [np.array([0.6, 0.0, 0.4], np.float32)] * 2
    detector = StreamingDetector(classifier, hop=0.1, smoothing=1, threshold=0.5, min_rms=0.0)
    curve = evaluate.detection_curve(detector, recording(script), truth,
                                     thresholds=[0.95, 0.5, 0.65, 0.8], tolerance=0.0)
    assert curve.thresholds == (0.5, 0.65, 0.8, 0.95)
    assert curve.recall.tolist() == [1.0, 0.5, 0.5, 0.0]
    assert [s.false_alarms for s in curve.scores] == [1, 1, 0, 0]
    assert curve.best(max_false_alarms_per_minute=60.0)[0] == 0.5
    threshold, scores = curve.best(max_false_alarms_per_minute=0.0)
    assert threshold == 0.8 and scores.recall == 0.5
    assert [row["threshold"] for row in curve.rows()] == [0.5, 0.65, 0.8, 0.95]
    assert detector.threshold == 0.5


def test_the_fine_thresholds_find_a_best_threshold_between_the_default_steps():
    """A confident model's false alarms and hits sit between 0.95 and 1: the default grid
    finds no threshold within the budget, the fine one finds 0.96."""
    assert set(evaluate.DEFAULT_THRESHOLDS) <= set(evaluate.FINE_THRESHOLDS)
    assert evaluate.FINE_THRESHOLDS[0] == 0.3 and evaluate.FINE_THRESHOLDS[-1] == 0.99
    assert np.allclose(np.diff(evaluate.FINE_THRESHOLDS), 0.01)
    script = "aaa..bb...aa"
    truth = [{"start": 0.1, "end": 0.3, "label": "a"}, {"start": 1.1, "end": 1.2, "label": "a"}]
    classifier = Scripted(script, {"a": 0.97, "b": 0.955})
    detector = StreamingDetector(classifier, hop=0.1, smoothing=1, min_rms=0.0)
    stream = detector.process(recording(script))
    assert evaluate.detection_curve(detector, stream, truth).best(0.5) is None
    threshold, scores = evaluate.detection_curve(
        detector, stream, truth, thresholds=evaluate.FINE_THRESHOLDS).best(0.5)
    assert threshold == 0.96 and scores.recall == 1.0 and scores.false_alarms == 0


def test_best_is_none_when_no_threshold_keeps_the_budget():
    curve = evaluate.DetectionCurve(thresholds=(0.5,), scores=(
        detection_scores([{"start": 5, "end": 6, "label": "a"}], [], duration=60.0),))
    assert curve.best(0.5) is None


@pytest.mark.parametrize("thresholds, words", [([], "non-empty"), ([0.5, 1.5], "threshold"),
                                               ("0.5", "non-empty")])
def test_bad_curve_arguments_are_refused_before_the_recording_is_classified(thresholds, words):
    detector = StreamingDetector(Scripted("a"), hop=0.1, smoothing=1, min_rms=0.0)
    with pytest.raises(ParameterError, match=words):
        evaluate.detection_curve(detector, recording("a"), [], thresholds=thresholds)
    with pytest.raises(ParameterError, match="StreamingDetector"):
        evaluate.detection_curve(object(), recording("a"), [])
    assert detector.classifier.k == 0


def test_plot_detection_curve_labels_its_axes():
    import matplotlib

    matplotlib.use("Agg")
    curve = evaluate.DetectionCurve(thresholds=(0.5, 0.7), scores=(
        detection_scores([{"start": 1, "end": 2, "label": "a"}], [{"start": 1, "end": 2, "label": "a"}],
                         duration=60.0),
        detection_scores([], [{"start": 1, "end": 2, "label": "a"}], duration=60.0)))
    ax = evaluate.plot_detection_curve(curve)
    assert ax.get_xlabel() == "false alarms per minute" and "recall" in ax.get_ylabel()
    with pytest.raises(ParameterError, match="DetectionCurve"):
        evaluate.plot_detection_curve({"thresholds": []})
    ax = evaluate.plot_detection_curve(curve, label="mine", annotate=False, max_false_alarms_per_minute=None)
    assert not ax.texts and [t.get_text() for t in ax.get_legend().get_texts()] == ["mine"]


def test_stream_scores_against_a_truth_file(tmp_path, monkeypatch, capsys):
    from audiolab.cli import deploy

    script = "aaa..bb...aa"  # "a" twice, the second time weaker; a false "b"
    classifier = Scripted(script, {"a": 0.9, "b": 0.705})
    classifier.rows[10:] = [np.array([0.6, 0.0, 0.4], np.float32)] * 2
    model = tmp_path / "m.tflite"
    model.write_bytes(b"TFL3")
    wav = write_wav(tmp_path / "long.wav", recording(script))
    truth = tmp_path / "truth.csv"
    truth.write_text("start,end,label,text\n0.1,0.3,a,ay\n1.1,1.2,a,ay\n")
    monkeypatch.setattr(deploy, "open_model", lambda path: classifier)
    argv = ["stream", str(model), str(wav), "--smoothing", "1", "--threshold", "0.5",
            "--truth", str(truth)]
    assert main([*argv, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["scores"]["recall"] == 1.0 and answer["scores"]["false_alarms"] == 1
    assert answer["scores"]["threshold"] == 0.5
    # the false "b" overlaps the first "a": a misheard keyword
    assert answer["scores"]["false_alarm_sources"] == {"other word": 0, "other keyword": 1,
                                                       "repeat": 0, "background": 0}
    assert answer["scores"]["false_alarm_words"] == [{"said": "ay", "detected": "b", "count": 1}]
    # 1 false alarm in 1.3 s is far above 0.5 a minute: only thresholds that drop "b" (0.705)
    # keep to it, and the search goes in steps of 0.01 (FINE_THRESHOLDS)
    assert answer["best_threshold"] == 0.71
    classifier.k = 0
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "recall 1.000 (2 of 2), 1 false alarms" in text and "at threshold 0.5" in text
    assert ("the false alarms were heard in: other words 0, other keywords (misheard) 1, "
            "keywords found again 0, background 0") in text
    assert 'taken for keywords most often: "ay" as b (1)' in text
    assert "best threshold within 0.5 false alarms per minute: 0.71 (recall 0.500" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("begin,end,label\n1,2,a\n")
    assert main([*argv[:-1], str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv must have the columns start, end, label" in err and err.count("\n") == 1
