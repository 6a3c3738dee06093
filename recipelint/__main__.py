"""`python -m recipelint`: the console entry point (recipelint.entry)."""

from recipelint.entry import run

if __name__ == "__main__":
    run()
