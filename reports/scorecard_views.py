from django.http import Http404


def scorecard(request, pk):  # placeholder until the scorecards land
    raise Http404
