"""Labelled news for the learned flagger (see README.md); make_general_news.py writes general_news.jsonl."""
