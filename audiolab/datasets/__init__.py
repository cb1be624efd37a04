"""Datasets: synthetic spoken words, class-per-folder data, real recordings, splits.

The course's data comes from three places (see the course design, "Data"):

Synthetic spoken words (the embedded default; no network)
    :func:`synthesize` says a word with eSpeak NG (shipped inside the
    ``espeakng-loader`` wheel); :func:`make_speech_dataset` writes a
    deterministic, cached class-per-folder dataset of many synthetic speakers;
    :func:`speech_digits` and :func:`speech_commands` cache the two course
    vocabularies under :func:`data_home`. Where the ``flite`` program is
    installed, :data:`FLITE_VOICES` add four voices built from recordings of
    real people (``audiolab data speech --flite``), and where ``festival`` is,
    :data:`FESTIVAL_VOICES` three more (``--festival``). :func:`make_scene` writes a
    long recording of keywords, other words and noise with its truth, to
    measure a keyword spotter (lesson 12).
Class-per-folder datasets
    :func:`load_folder` reads ``root/<class>/<file>`` or
    ``root/<split>/<class>/<file>`` into an :class:`AudioDataset`, skipping
    (and reporting) broken files.
Real recordings
    :func:`load_fsdd` (Free Spoken Digit Dataset, the course's real digits),
    :func:`load_mini_speech_commands`, :func:`load_esc50`: a local copy, or a
    verified download (:func:`download_dataset`). :func:`export_fsdd` writes
    FSDD as train/test class folders; :func:`verify_fsdd` checks a copy
    against the SHA-256 of every published recording.
Splits
    :func:`train_val_test_split` (stratified, or by speaker with ``groups``)
    and :func:`kfold`.

Errors are :class:`DatasetError`, :class:`DownloadError` and
:class:`SynthesisError`, all in the :class:`~audiolab.errors.AudiolabError`
family. Importing this module loads neither TensorFlow, matplotlib nor
librosa; scikit-learn, pooch and tqdm are imported when first needed.

Used from lesson 04 on; lesson 05 ("preparing a dataset") teaches the
folder layout, lesson 10 the splits.
"""

from __future__ import annotations

from ._common import DatasetError, DownloadError, SynthesisError, data_home
from .espeak import (
    DEFAULT_VARIANTS,
    DEFAULT_VOICES,
    breathy_variants,
    espeak_info,
    list_variants,
    list_voices,
    synthesize,
)
from .festival import DEFAULT_VOICES as FESTIVAL_VOICES
from .flite import DEFAULT_VOICES as FLITE_VOICES
from .folder import SPLITS, AudioDataset, load_folder, load_folder_with_notes
from .real import (
    ESC50_SHA256,
    ESC50_URL,
    FSDD_SHA256,
    FSDD_URL,
    MINI_SPEECH_COMMANDS_SHA256,
    MINI_SPEECH_COMMANDS_URL,
    REMOTE_DATASETS,
    download_dataset,
    export_fsdd,
    load_esc50,
    load_fsdd,
    load_mini_speech_commands,
    verify_fsdd,
)
from .scene import SCENE_VARIANTS, Scene, make_scene
from .speech import (
    COMMAND_WORDS,
    DIGIT_WORDS,
    VOCABULARIES,
    installed_voices,
    make_speech_dataset,
    read_manifest,
    speech_commands,
    speech_digits,
)
from .splits import Split, dataset_fingerprint, kfold, split_indices, train_val_test_split

#: Another name of :class:`AudioDataset` (what :func:`load_folder` returns).
FolderDataset = AudioDataset

__all__ = [
    # errors and the cache folder
    "DatasetError",
    "DownloadError",
    "SynthesisError",
    "data_home",
    # synthetic speech
    "synthesize",
    "list_voices",
    "list_variants",
    "breathy_variants",
    "espeak_info",
    "DEFAULT_VOICES",
    "DEFAULT_VARIANTS",
    "FESTIVAL_VOICES",
    "FLITE_VOICES",
    "installed_voices",
    "make_speech_dataset",
    "make_scene",
    "Scene",
    "SCENE_VARIANTS",
    "speech_digits",
    "speech_commands",
    "read_manifest",
    "VOCABULARIES",
    "DIGIT_WORDS",
    "COMMAND_WORDS",
    # class-per-folder data
    "AudioDataset",
    "FolderDataset",
    "load_folder",
    "load_folder_with_notes",
    "SPLITS",
    # real datasets
    "load_fsdd",
    "load_mini_speech_commands",
    "load_esc50",
    "export_fsdd",
    "verify_fsdd",
    "download_dataset",
    "REMOTE_DATASETS",
    "FSDD_URL",
    "FSDD_SHA256",
    "MINI_SPEECH_COMMANDS_URL",
    "MINI_SPEECH_COMMANDS_SHA256",
    "ESC50_URL",
    "ESC50_SHA256",
    # splits
    "Split",
    "train_val_test_split",
    "kfold",
    "split_indices",
    "dataset_fingerprint",
]
