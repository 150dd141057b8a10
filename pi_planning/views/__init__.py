"""Pages of PI planning: views/board.py (board, backlog, capacity) and views/cards.py
(objectives, confidence vote, dependency board, ROAM board)."""
