from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from .models import Criterion, PeerExample
from .text import bullets


@require_safe
def criterion_list(request):
    criteria = Criterion.objects.annotate(
        examples_count=Count("examples", distinct=True),
        questions_count=Count("questions", distinct=True),
    ).order_by("number")
    return render(request, "criteria/list.html", {"criteria": criteria})


@require_safe
def criterion_detail(request, slug):
    criterion = get_object_or_404(
        Criterion.objects.prefetch_related(
            "levels",
            "questions",
            Prefetch(
                "examples",
                queryset=PeerExample.objects.select_related("office__city").order_by(
                    "office__city__name", "title"
                ),
            ),
        ),
        slug=slug,
    )
    siblings = list(
        Criterion.objects.only("number", "slug", "title", "short_title", "translations")
    )
    index = next(i for i, c in enumerate(siblings) if c.pk == criterion.pk)
    context = {
        "criterion": criterion,
        "takeaways": bullets(criterion.tr("takeaways")),
        "tradeoffs": bullets(criterion.tr("tradeoffs")),
        "previous": siblings[index - 1] if index > 0 else None,
        "next": siblings[index + 1] if index + 1 < len(siblings) else None,
    }
    return render(request, "criteria/detail.html", context)
