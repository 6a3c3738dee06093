"""What a recipe is: files with positions, merged compose variants, env, git, overlay tests."""

from .recipe import NotARecipe, Recipe

__all__ = ["NotARecipe", "Recipe"]
