"""`lambdakit init`: new projects from templates (``templates/<name>/``) and from the examples."""

from lambdakit.scaffold.generate import (
    ARCHITECTURES,
    RUNTIMES,
    InitOptions,
    TemplateInfo,
    generate,
    templates,
)

__all__ = ["ARCHITECTURES", "RUNTIMES", "InitOptions", "TemplateInfo", "generate", "templates"]
