"""consultgym: Gymnasium environments for multi-turn medical consultations."""
