"""Attention Tutor: practise and examine MHA, MQA, GQA and the KV cache."""

__version__ = "0.1.0"
