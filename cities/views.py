from django.http import HttpResponse


def city_list(request):  # placeholder until the public pages land
    return HttpResponse("cities")


def city_detail(request, slug):
    return HttpResponse(slug)
